#!/bin/sh
# build_jar.sh SWIG JAVAC JAR INTERFACE INCLUDE_DIR OUT_WRAP_C OUT_JAR WORK_DIR JAVA_SRC...
# Runs SWIG's Java output into a scratch directory (the set of generated
# classes grows with the API, so it is not listed in meson.build), then
# compiles it with the hand-written classes into one jar.
set -eu
swig=$1 javac=$2 jar=$3 iface=$4 inc=$5 wrap=$6 out_jar=$7 work=$8
shift 8
rm -rf "$work" && mkdir -p "$work/gen/org/kpiscore" "$work/classes"
"$swig" -java -package org.kpiscore -I"$inc" -o "$wrap" -outdir "$work/gen/org/kpiscore" "$iface"
"$javac" -encoding UTF-8 -nowarn -d "$work/classes" "$work"/gen/org/kpiscore/*.java "$@"
"$jar" --create --file "$out_jar" -C "$work/classes" .
