/*
 * kpiscore.i - the one SWIG interface for every binding.
 *
 * It reads only the public headers. The generated layer stays thin: a
 * failing kpi_status becomes the language's exception carrying
 * kpi_error_last()'s code, message and location; out-parameters become
 * return values; opaque handles become plain pointers whose lifetime the
 * small hand-written layer of each language manages (close/with in Python,
 * AutoCloseable in Java).
 */
%module(package="kpiscore") capi

%{
#include <kpiscore.h>
%}

%include <stdint.i>

/* ---- status: raise on failure, otherwise no value of its own ---------- */
#ifdef SWIGPYTHON
%{
/* Exception classes by status code, registered by kpiscore/errors.py. */
static PyObject *kpi_py_error_classes = NULL;

static void kpi_py_raise(kpi_status status)
{
    const kpi_error *e = kpi_error_last();
    PyObject *cls = NULL;
    if (kpi_py_error_classes) {
        PyObject *key = PyLong_FromLong(status);
        cls = key ? PyDict_GetItem(kpi_py_error_classes, key) : NULL;
        Py_XDECREF(key);
    }
    if (!cls)
        cls = PyExc_RuntimeError;
    const char *message = kpi_error_code(e) == status ? kpi_error_message(e) : kpi_status_str(status);
    PyObject *exc = PyObject_CallFunction(cls, "s", kpi_error_code(e) == status ? kpi_error_text(e) : message);
    if (!exc)
        return;
    PyObject_SetAttrString(exc, "code", PyLong_FromLong(status));
    PyObject_SetAttrString(exc, "message", PyUnicode_FromString(message));
    PyObject_SetAttrString(exc, "source", PyUnicode_FromString(kpi_error_source(e)));
    PyObject_SetAttrString(exc, "line", PyLong_FromLong(kpi_error_line(e)));
    PyObject_SetAttrString(exc, "column", PyLong_FromLong(kpi_error_column(e)));
    PyObject_SetAttrString(exc, "offset", PyLong_FromLongLong(kpi_error_offset(e)));
    PyObject_SetAttrString(exc, "path", PyUnicode_FromString(kpi_error_path(e)));
    PyErr_SetObject(cls, exc);
    Py_DECREF(exc);
}
%}

%inline %{
/* Called once by kpiscore/errors.py with {status code: exception class}. */
static void set_error_classes(PyObject *classes)
{
    Py_XINCREF(classes);
    Py_XDECREF(kpi_py_error_classes);
    kpi_py_error_classes = classes;
}
%}

%typemap(out) kpi_status {
    if ($1 != KPI_OK) {
        kpi_py_raise($1);
        SWIG_fail;
    }
    $result = Py_None;
    Py_INCREF(Py_None);
}

/* int64 out-parameters (kpi_dec, kpi_money, counts) come back as ints */
%typemap(in, numinputs=0) int64_t *out (int64_t temp = 0) { $1 = &temp; }
%typemap(argout) int64_t *out { $result = SWIG_Python_AppendOutput($result, PyLong_FromLongLong((long long)*$1)); }
%typemap(in, numinputs=0) int32_t *out (int32_t temp = 0) { $1 = &temp; }
%typemap(argout) int32_t *out { $result = SWIG_Python_AppendOutput($result, PyLong_FromLong((long)*$1)); }

/* text in: str (or bytes) with its length, so Chinese text and embedded
 * positions are exact */
%typemap(in) (const char *text, size_t len) (Py_ssize_t size = 0) {
    if (PyUnicode_Check($input)) {
        $1 = (char *)PyUnicode_AsUTF8AndSize($input, &size);
        if (!$1) SWIG_fail;
    } else if (PyBytes_Check($input)) {
        if (PyBytes_AsStringAndSize($input, (char **)&$1, &size) < 0) SWIG_fail;
    } else {
        PyErr_SetString(PyExc_TypeError, "expected str or bytes");
        SWIG_fail;
    }
    $2 = (size_t)size;
}

/* snprintf-style formatting into a caller buffer comes back as a str */
%typemap(in, numinputs=0) (char *buf, size_t size) (char temp[128]) { $1 = temp; $2 = sizeof temp; }
%typemap(argout) (char *buf, size_t size) {
    Py_XDECREF($result);
    $result = PyUnicode_FromString($1);
}

/* Opaque handles: `T **out` returns the new pointer; the Python layer owns it. */
%define KPI_HANDLE(T)
%typemap(in, numinputs=0) T **out (T *temp = NULL) { $1 = &temp; }
%typemap(argout) T **out { $result = SWIG_Python_AppendOutput($result, SWIG_NewPointerObj(*$1, $*1_descriptor, 0)); }
%enddef
#endif /* SWIGPYTHON */


#ifdef SWIGJAVA
%{
/* Throws org.kpiscore.KpiException carrying kpi_error_last()'s record. */
static void kpi_java_throw(JNIEnv *jenv, kpi_status status)
{
    const kpi_error *e = kpi_error_last();
    jclass cls = (*jenv)->FindClass(jenv, "org/kpiscore/KpiException");
    if (!cls)
        return; /* NoClassDefFoundError is pending */
    jmethodID ctor = (*jenv)->GetMethodID(jenv, cls, "<init>",
        "(ILjava/lang/String;Ljava/lang/String;Ljava/lang/String;JJJLjava/lang/String;)V");
    if (!ctor)
        return;
    int own = kpi_error_code(e) == status;
    jobject ex = (*jenv)->NewObject(jenv, cls, ctor, (jint)status,
        (*jenv)->NewStringUTF(jenv, own ? kpi_error_text(e) : kpi_status_str(status)),
        (*jenv)->NewStringUTF(jenv, own ? kpi_error_message(e) : kpi_status_str(status)),
        (*jenv)->NewStringUTF(jenv, kpi_error_source(e)), (jlong)kpi_error_line(e),
        (jlong)kpi_error_column(e), (jlong)kpi_error_offset(e),
        (*jenv)->NewStringUTF(jenv, kpi_error_path(e)));
    if (ex)
        (*jenv)->Throw(jenv, (jthrowable)ex);
}
%}

/* a failing status throws; otherwise the Java method returns nothing */
%typemap(jni) kpi_status "void"
%typemap(jtype) kpi_status "void"
%typemap(jstype) kpi_status "void"
%typemap(javaout) kpi_status { $jnicall; }
/* ...but a status passed in (kpi_status_str) is a plain int */
%typemap(jni) kpi_status status "jint"
%typemap(jtype) kpi_status status "int"
%typemap(jstype) kpi_status status "int"
%typemap(javain) kpi_status status "$javainput"
%typemap(in) kpi_status status { $1 = (kpi_status)$input; }
%typemap(out) kpi_status {
    if ($1 != KPI_OK) {
        kpi_java_throw(jenv, $1);
        return $null;
    }
}

/* int64 out-parameters: a long[1] the call fills */
%define KPI_JAVA_OUT(CTYPE, JARR, JTYPE, JAVAARR, SETTER)
%typemap(jni) CTYPE *out #JARR
%typemap(jtype) CTYPE *out #JAVAARR
%typemap(jstype) CTYPE *out #JAVAARR
%typemap(javain) CTYPE *out "$javainput"
%typemap(in) CTYPE *out (CTYPE temp = 0) {
    if (!$input || (*jenv)->GetArrayLength(jenv, $input) < 1) {
        SWIG_JavaThrowException(jenv, SWIG_JavaIllegalArgumentException, "an array of one element is needed for the result");
        return $null;
    }
    $1 = &temp;
}
%typemap(argout) CTYPE *out { JTYPE v = (JTYPE)temp$argnum; (*jenv)->SETTER(jenv, $input, 0, 1, &v); }
%enddef
KPI_JAVA_OUT(int64_t, jlongArray, jlong, long[], SetLongArrayRegion)
KPI_JAVA_OUT(int32_t, jintArray, jint, int[], SetIntArrayRegion)

/* arrays of int64 in: a Java long[], read in place where the JVM allows */
%define KPI_JAVA_LONG_ARRAY_IN(CT, P, N)
%typemap(jni) (const CT *P, size_t N) "jlongArray"
%typemap(jtype) (const CT *P, size_t N) "long[]"
%typemap(jstype) (const CT *P, size_t N) "long[]"
%typemap(javain) (const CT *P, size_t N) "$javainput"
%typemap(in) (const CT *P, size_t N) {
    if (!$input) {
        SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "array is null");
        return $null;
    }
    $1 = ($1_ltype)(*jenv)->GetLongArrayElements(jenv, $input, 0);
    $2 = (size_t)(*jenv)->GetArrayLength(jenv, $input);
}
%typemap(freearg) (const CT *P, size_t N) { if ($1) (*jenv)->ReleaseLongArrayElements(jenv, $input, (jlong *)$1, JNI_ABORT); }
%enddef
KPI_JAVA_LONG_ARRAY_IN(kpi_dec, sorted, n)

/* text in: a Java String (UTF-8 as the JVM gives it) with its length */
%typemap(jni) (const char *text, size_t len) "jstring"
%typemap(jtype) (const char *text, size_t len) "String"
%typemap(jstype) (const char *text, size_t len) "String"
%typemap(javain) (const char *text, size_t len) "$javainput"
%typemap(in) (const char *text, size_t len) {
    if (!$input) {
        SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "text is null");
        return $null;
    }
    $1 = (char *)(*jenv)->GetStringUTFChars(jenv, $input, 0);
    if (!$1) return $null;
    $2 = strlen($1);
}
%typemap(freearg) (const char *text, size_t len) { if ($1) (*jenv)->ReleaseStringUTFChars(jenv, $input, $1); }

/* formatting: Java gets a String from these helpers instead of a buffer */
%ignore kpi_money_format;
%ignore kpi_dec_format;
%inline %{
static char *kpi_java_format_money(kpi_money value, unsigned flags)
{
    static _Thread_local char buf[64];
    kpi_money_format(value, flags, buf, sizeof buf);
    return buf;
}
static char *kpi_java_format_dec(kpi_dec value, int places, kpi_round mode)
{
    static _Thread_local char buf[64];
    kpi_dec_format(value, places, mode, buf, sizeof buf);
    return buf;
}
%}

%define KPI_HANDLE(T)
%typemap(jni) T **out "jlongArray"
%typemap(jtype) T **out "long[]"
%typemap(jstype) T **out "long[]"
%typemap(javain) T **out "$javainput"
%typemap(in) T **out (T *temp = NULL) {
    if (!$input || (*jenv)->GetArrayLength(jenv, $input) < 1) {
        SWIG_JavaThrowException(jenv, SWIG_JavaIllegalArgumentException, "an array of one element is needed for the handle");
        return $null;
    }
    $1 = &temp;
}
%typemap(argout) T **out { jlong v = (jlong)(intptr_t)temp$argnum; (*jenv)->SetLongArrayRegion(jenv, $input, 0, 1, &v); }
%enddef
%javaconst(1);
#endif /* SWIGJAVA */

/* ---- the API ------------------------------------------------------------ */
#define KPI_API
%ignore kpi_set_allocator; /* C embedders only: hooks are C function pointers */
/* Bindings read the error record through their exceptions; a getter that
 * returns a status would otherwise be taken for a failing call. */
%ignore kpi_error_code;

KPI_HANDLE(kpi_lint)

%include "kpiscore/common.h"
%include "kpiscore/version.h"
%include "kpiscore/error.h"
%include "kpiscore/decimal.h"
%include "kpiscore/lint.h"

#ifdef SWIGPYTHON
/* Batch input: any contiguous int64 buffer (numpy, array('q'), memoryview), no copy. */
%typemap(in) (const kpi_dec *sorted, size_t n) (Py_buffer view, int got = 0) {
    if (PyObject_GetBuffer($input, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "expected a contiguous buffer of int64 (numpy int64 array, "
                     "array('q'), memoryview), not %s", Py_TYPE($input)->tp_name);
        SWIG_fail;
    }
    got = 1;
    if (view.itemsize != 8 || view.ndim > 1 || !view.format ||
        (strcmp(view.format, "q") && strcmp(view.format, "l") && strcmp(view.format, "<q") &&
         strcmp(view.format, "=q") && strcmp(view.format, "<l") && strcmp(view.format, "=l"))) {
        PyErr_Format(PyExc_TypeError, "expected a one-dimensional buffer of int64, got format '%s' "
                     "with item size %zd", view.format ? view.format : "B", view.itemsize);
        SWIG_fail;
    }
    $1 = (kpi_dec *)view.buf;
    $2 = (size_t)(view.len / 8);
}
%typemap(freearg) (const kpi_dec *sorted, size_t n) { if (got$argnum) PyBuffer_Release(&view$argnum); }
#endif
%include "kpiscore/quantile.h"
