/*
 * kpiscore.i - the one SWIG interface for every binding.
 *
 * It reads only the public headers. The generated layer stays thin: a
 * failing kpi_status becomes the language's exception carrying
 * kpi_error_last()'s code, message and location; out-parameters become
 * return values; opaque handles become plain pointers whose lifetime the
 * small hand-written layer of each language manages (close/with in Python,
 * AutoCloseable in Java).
 *
 * Patterns (follow them when a module is added; see docs/python.md
 * "Adding a module to the bindings"):
 *
 *   status       every kpi_status return raises/throws on failure.
 *   out values   `int64_t *out`, `int32_t *out`, `size_t *out` come back as
 *                return values (Python) or fill a one-element array (Java).
 *   handles      KPI_HANDLE(T) for every opaque type with kpi_T_new/_free.
 *   structs      KPI_STRUCT(T, INIT) gives every public struct (options,
 *                definitions, explanation and result rows) a constructor
 *                that applies its INIT macro, so `size` is always right;
 *                pointer fields are %ignore'd and travel as buffers instead.
 *   buffers      KPI_BUFFER(CTYPE, ...) defines `(const CTYPE *IN, size_t
 *                IN_N)` (read in place) and `(CTYPE *OUT, size_t OUT_N)`
 *                (written in place) for int64, int32, uint32, uint8 and
 *                double; a kpi_bind_* adapter names its pairs and %apply's
 *                them. None/null is (NULL, 0) for optional arrays.
 *   strings      `(const char *const *STRINGS, size_t STRINGS_N)`: a list of
 *                str / a String[] (labels), borrowed for the call.
 *   adapters     kpi_bind_* functions below reshape a C call whose arrays
 *                share one length or hide in a struct into (pointer, length)
 *                pairs, check the lengths agree (a binding error:
 *                ValueError / IllegalArgumentException) and call the
 *                library. Arrays of structs cross as columns.
 *   text         snprintf-style writers are %ignore'd and exposed through
 *                KPI_BIND_TEXT adapters returning a whole malloc'd string.
 */
%module(package="kpiscore") capi

%{
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdarg.h>
#include <kpiscore.h>

/*
 * Binding-level failures (array lengths that do not agree, a binding
 * allocation) are not library errors: they carry their own message and a
 * status outside the library's range, which the status typemaps turn into
 * ValueError / MemoryError (Python) or IllegalArgumentException /
 * OutOfMemoryError (Java).
 */
#define KPI_BIND_EARG ((kpi_status)-1000001)
#define KPI_BIND_ENOMEM ((kpi_status)-1000002)
static _Thread_local char kpi_bind_message[256];

static kpi_status kpi_bind_fail(kpi_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(kpi_bind_message, sizeof kpi_bind_message, fmt, ap);
    va_end(ap);
    return status;
}

/* An array argument of @p got elements where @p want are needed; optional
 * arrays may also be absent (NULL, 0). */
static kpi_status kpi_bind_len(const char *name, const void *p, size_t got, size_t want, int optional)
{
    if (optional && !p)
        return KPI_OK;
    if (!p && want == 0)
        return KPI_OK;
    if (got != want)
        return kpi_bind_fail(KPI_BIND_EARG, "%s has %zu elements where %zu are needed", name, got, want);
    return KPI_OK;
}
#define KPI_BIND_LEN(p, got, want, optional)                                   \
    do {                                                                       \
        kpi_status st_ = kpi_bind_len(#p, (p), (got), (want), (optional));     \
        if (st_ != KPI_OK)                                                     \
            return st_;                                                        \
    } while (0)

/* Whole text from an snprintf-style writer `EXPR` using `buf` and `size`:
 * measured, then written into a malloc'd string (freed by the binding). */
#define KPI_BIND_TEXT(EXPR)                                                    \
    do {                                                                       \
        char *buf = NULL;                                                      \
        size_t size = 0;                                                       \
        size = (EXPR) + 1;                                                     \
        buf = malloc(size);                                                    \
        if (!buf)                                                              \
            return NULL;                                                       \
        (void)(EXPR);                                                          \
        return buf;                                                            \
    } while (0)
%}

%include <stdint.i>

/* ---- status: raise on failure, otherwise no value of its own ---------- */
#ifdef SWIGPYTHON
%{
/* Exception classes by status code, registered by kpiscore/errors.py. */
static PyObject *kpi_py_error_classes = NULL;

static void kpi_py_raise(kpi_status status)
{
    if (status == KPI_BIND_EARG || status == KPI_BIND_ENOMEM) {
        PyErr_SetString(status == KPI_BIND_EARG ? PyExc_ValueError : PyExc_MemoryError,
                        kpi_bind_message);
        return;
    }
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
%define KPI_PY_OUT(CTYPE, CONVERT)
%typemap(in, numinputs=0) CTYPE *out (CTYPE temp = 0) { $1 = &temp; }
%typemap(argout) CTYPE *out { $result = SWIG_Python_AppendOutput($result, CONVERT(*$1)); }
%enddef
KPI_PY_OUT(int64_t, PyLong_FromLongLong)
KPI_PY_OUT(int32_t, PyLong_FromLong)
KPI_PY_OUT(size_t, PyLong_FromSize_t)
KPI_PY_OUT(uint32_t, PyLong_FromUnsignedLong)
KPI_PY_OUT(uint16_t, PyLong_FromLong)
KPI_PY_OUT(double, PyFloat_FromDouble)

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

%{
/* Accepts a buffer whose items are @p itemsize bytes with a struct format
 * in @p formats (native or explicit little-endian on a little-endian
 * machine), one-dimensional and C-contiguous. Sets TypeError otherwise. */
static int kpi_py_buffer(PyObject *obj, Py_buffer *view, int writable, const char *name,
                         const char *what, Py_ssize_t itemsize, const char *formats)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected a contiguous %sbuffer of %s (numpy array, "
                     "array.array, memoryview), not %s", name, writable ? "writable " : "", what,
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    const char *f = view->format ? view->format : "B";
    const uint16_t one = 1;
    int little = *(const uint8_t *)&one == 1;
    if (*f == '@' || *f == '=' || (*f == '<' && little))
        f++;
    if (view->itemsize != itemsize || view->ndim > 1 || strlen(f) != 1 || !strchr(formats, *f)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a one-dimensional buffer of %s, got format "
                     "'%s' with item size %zd and %d dimensions", name, what,
                     view->format ? view->format : "B", view->itemsize, view->ndim);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}
%}

/*
 * Arrays in and out without a copy. WHAT names the type in messages,
 * FORMATS lists the struct format characters accepted for CTYPE.
 */
%define KPI_BUFFER(CTYPE, WHAT, FORMATS, JNIARR, JAVAARR, JELEM, GETTER, RELEASER)
%typemap(in) (const CTYPE *IN, size_t IN_N) (Py_buffer view, int got = 0) {
    if ($input == Py_None) {
        $1 = NULL; $2 = 0;
    } else {
        if (kpi_py_buffer($input, &view, 0, "$1_name", WHAT, sizeof(CTYPE), FORMATS) < 0) SWIG_fail;
        got = 1;
        $1 = ($1_ltype)view.buf;
        $2 = (size_t)(view.len / sizeof(CTYPE));
    }
}
%typemap(freearg) (const CTYPE *IN, size_t IN_N) { if (got$argnum) PyBuffer_Release(&view$argnum); }
%typemap(in) (CTYPE *OUT, size_t OUT_N) (Py_buffer view, int got = 0) {
    if ($input == Py_None) {
        $1 = NULL; $2 = 0;
    } else {
        if (kpi_py_buffer($input, &view, 1, "$1_name", WHAT, sizeof(CTYPE), FORMATS) < 0) SWIG_fail;
        got = 1;
        $1 = ($1_ltype)view.buf;
        $2 = (size_t)(view.len / sizeof(CTYPE));
    }
}
%typemap(freearg) (CTYPE *OUT, size_t OUT_N) { if (got$argnum) PyBuffer_Release(&view$argnum); }
%enddef

/* A list of str (labels), UTF-8, borrowed from the str objects for the call. */
%typemap(in) (const char *const *STRINGS, size_t STRINGS_N) (PyObject *seq = NULL, const char **items = NULL) {
    if (PyUnicode_Check($input) || !(seq = PySequence_Fast($input, "$1_name: expected a sequence of str")))
        SWIG_exception_fail(SWIG_TypeError, "$1_name: expected a sequence of str");
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    items = (const char **)calloc(n ? (size_t)n : 1, sizeof *items);
    if (!items) { PyErr_NoMemory(); SWIG_fail; }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *o = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(o)) {
            PyErr_Format(PyExc_TypeError, "$1_name[%zd]: expected str, not %s", i, Py_TYPE(o)->tp_name);
            SWIG_fail;
        }
        if (!(items[i] = PyUnicode_AsUTF8(o))) SWIG_fail;
    }
    $1 = ($1_ltype)items;
    $2 = (size_t)n;
}
%typemap(freearg) (const char *const *STRINGS, size_t STRINGS_N) { free((void *)items$argnum); Py_XDECREF(seq$argnum); }
#endif /* SWIGPYTHON */


#ifdef SWIGJAVA
%{
/* Throws org.kpiscore.KpiException carrying kpi_error_last()'s record. */
static void kpi_java_throw(JNIEnv *jenv, kpi_status status)
{
    if (status == KPI_BIND_EARG || status == KPI_BIND_ENOMEM) {
        jclass c = (*jenv)->FindClass(jenv, status == KPI_BIND_EARG ? "java/lang/IllegalArgumentException"
                                                                     : "java/lang/OutOfMemoryError");
        if (c)
            (*jenv)->ThrowNew(jenv, c, kpi_bind_message);
        return;
    }
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
/* The throw happens in "ret", after argout and freearg have run, so arrays
 * and strings are released and no JNI call follows a pending exception. */
%typemap(out) kpi_status ""
%typemap(ret) kpi_status {
    if ($1 != KPI_OK)
        kpi_java_throw(jenv, $1);
}

/* out-parameters: a one-element array the call fills */
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
KPI_JAVA_OUT(size_t, jlongArray, jlong, long[], SetLongArrayRegion)
KPI_JAVA_OUT(uint32_t, jlongArray, jlong, long[], SetLongArrayRegion)
KPI_JAVA_OUT(uint16_t, jintArray, jint, int[], SetIntArrayRegion)
KPI_JAVA_OUT(double, jdoubleArray, jdouble, double[], SetDoubleArrayRegion)

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
/* a handle argument is the long the Java class keeps */
%typemap(jni) T * "jlong"
%typemap(jtype) T * "long"
%typemap(jstype) T * "long"
%typemap(javain) T * "$javainput"
%typemap(in) T * { $1 = ($1_ltype)(intptr_t)$input; }
%typemap(jni) const T * "jlong"
%typemap(jtype) const T * "long"
%typemap(jstype) const T * "long"
%typemap(javain) const T * "$javainput"
%typemap(in) const T * { $1 = ($1_ltype)(intptr_t)$input; }
/* a returned handle (borrowed: kpi_plan_rubric, kpi_run_scorecard) is a long too */
%typemap(out) T *, const T * { $result = (jlong)(intptr_t)$1; }
%typemap(javaout) T *, const T * { return $jnicall; }
%enddef

/*
 * Arrays in and out: a Java primitive array, pinned or copied as the JVM
 * chooses (Get<Type>ArrayElements); outputs are written back on release.
 * null is (NULL, 0) for optional arrays.
 */
%define KPI_BUFFER(CTYPE, WHAT, FORMATS, JNIARR, JAVAARR, JELEM, GETTER, RELEASER)
%typemap(jni) (const CTYPE *IN, size_t IN_N) #JNIARR
%typemap(jtype) (const CTYPE *IN, size_t IN_N) #JAVAARR
%typemap(jstype) (const CTYPE *IN, size_t IN_N) #JAVAARR
%typemap(javain) (const CTYPE *IN, size_t IN_N) "$javainput"
%typemap(in) (const CTYPE *IN, size_t IN_N) {
    $1 = NULL; $2 = 0;
    if ($input) {
        $1 = ($1_ltype)(*jenv)->GETTER(jenv, $input, 0);
        if (!$1) return $null;
        $2 = (size_t)(*jenv)->GetArrayLength(jenv, $input);
    }
}
%typemap(freearg) (const CTYPE *IN, size_t IN_N) { if ($1) (*jenv)->RELEASER(jenv, $input, (JELEM *)$1, JNI_ABORT); }
%typemap(jni) (CTYPE *OUT, size_t OUT_N) #JNIARR
%typemap(jtype) (CTYPE *OUT, size_t OUT_N) #JAVAARR
%typemap(jstype) (CTYPE *OUT, size_t OUT_N) #JAVAARR
%typemap(javain) (CTYPE *OUT, size_t OUT_N) "$javainput"
%typemap(in) (CTYPE *OUT, size_t OUT_N) {
    $1 = NULL; $2 = 0;
    if ($input) {
        $1 = ($1_ltype)(*jenv)->GETTER(jenv, $input, 0);
        if (!$1) return $null;
        $2 = (size_t)(*jenv)->GetArrayLength(jenv, $input);
    }
}
%typemap(freearg) (CTYPE *OUT, size_t OUT_N) { if ($1) (*jenv)->RELEASER(jenv, $input, (JELEM *)$1, 0); }
%enddef

/* String[] (labels) for the call */
%typemap(jni) (const char *const *STRINGS, size_t STRINGS_N) "jobjectArray"
%typemap(jtype) (const char *const *STRINGS, size_t STRINGS_N) "String[]"
%typemap(jstype) (const char *const *STRINGS, size_t STRINGS_N) "String[]"
%typemap(javain) (const char *const *STRINGS, size_t STRINGS_N) "$javainput"
%typemap(in) (const char *const *STRINGS, size_t STRINGS_N) (const char **items = NULL, jsize count = 0) {
    if (!$input) {
        SWIG_JavaThrowException(jenv, SWIG_JavaNullPointerException, "$1_name is null");
        return $null;
    }
    count = (*jenv)->GetArrayLength(jenv, $input);
    items = (const char **)calloc(count ? (size_t)count : 1, sizeof *items);
    if (!items) {
        SWIG_JavaThrowException(jenv, SWIG_JavaOutOfMemoryError, "labels");
        return $null;
    }
    for (jsize i = 0; i < count; i++) {
        jstring s = (jstring)(*jenv)->GetObjectArrayElement(jenv, $input, i);
        items[i] = s ? (*jenv)->GetStringUTFChars(jenv, s, 0) : NULL;
        if (s) (*jenv)->DeleteLocalRef(jenv, s);
    }
    $1 = ($1_ltype)items;
    $2 = (size_t)count;
}
%typemap(freearg) (const char *const *STRINGS, size_t STRINGS_N) {
    for (jsize i = 0; i < count$argnum; i++) {
        if (items$argnum[i]) {
            jstring s = (jstring)(*jenv)->GetObjectArrayElement(jenv, $input, i);
            (*jenv)->ReleaseStringUTFChars(jenv, s, items$argnum[i]);
            (*jenv)->DeleteLocalRef(jenv, s);
        }
    }
    free((void *)items$argnum);
}
%javaconst(1);
/* C expressions javac cannot read */
%javaconstvalue(1) KPI_WHY_CAPPED;
%javaconstvalue(2) KPI_WHY_FLOORED;
%javaconstvalue(4) KPI_WHY_CLAWBACK;
%javaconstvalue(8) KPI_WHY_NEGATIVE_ZERO;
%javaconstvalue(16) KPI_WHY_GATED;
%javaconstvalue(32) KPI_WHY_RATIO_BASIS;
%javaconstvalue(64) KPI_WHY_PAST_LADDER;
#endif /* SWIGJAVA */

/* Every typed array the library takes. */
KPI_BUFFER(int64_t, "int64", "ql", jlongArray, long[], jlong, GetLongArrayElements, ReleaseLongArrayElements)
KPI_BUFFER(uint16_t, "uint16", "H", jshortArray, short[], jshort, GetShortArrayElements, ReleaseShortArrayElements)
KPI_BUFFER(int32_t, "int32", "i", jintArray, int[], jint, GetIntArrayElements, ReleaseIntArrayElements)
KPI_BUFFER(uint32_t, "uint32", "I", jintArray, int[], jint, GetIntArrayElements, ReleaseIntArrayElements)
KPI_BUFFER(uint8_t, "uint8 or bool", "B?", jbyteArray, byte[], jbyte, GetByteArrayElements, ReleaseByteArrayElements)
KPI_BUFFER(double, "float64", "d", jdoubleArray, double[], jdouble, GetDoubleArrayElements, ReleaseDoubleArrayElements)

/*
 * Public structs: a constructor applying the INIT macro (so `size` is set
 * and defaults are the library's), a destructor, `size` read-only.
 */
%define KPI_STRUCT(T, INIT)
%immutable T::size;
%extend T {
    T() {
        T *p = (T *)malloc(sizeof(T));
        if (p) {
            T init = INIT;
            *p = init;
        }
        return p;
    }
    ~T() { free($self); }
}
%enddef

/* ---- the API ------------------------------------------------------------ */
#define KPI_API
%ignore kpi_set_allocator; /* C embedders only: hooks are C function pointers */
/* Bindings read the error record through their exceptions; a getter that
 * returns a status would otherwise be taken for a failing call. */
%ignore kpi_error_code;

KPI_HANDLE(kpi_lint)
KPI_HANDLE(kpi_schedule)
KPI_HANDLE(kpi_payslip)
KPI_HANDLE(kpi_tier_table)
KPI_HANDLE(kpi_forced)
KPI_HANDLE(kpi_tiering)

KPI_STRUCT(kpi_schedule_def, KPI_SCHEDULE_DEF_INIT)
KPI_STRUCT(kpi_pay_why, KPI_PAY_WHY_INIT)
KPI_STRUCT(kpi_score_bonus_def, KPI_SCORE_BONUS_DEF_INIT)
KPI_STRUCT(kpi_rank_options, KPI_RANK_OPTIONS_INIT)
KPI_STRUCT(kpi_forced_options, KPI_FORCED_OPTIONS_INIT)
KPI_STRUCT(kpi_tier_row, KPI_TIER_ROW_INIT)
%immutable kpi_tier_row::label;   /* borrowed from the kpi_tiering */
/* pointer fields travel as buffers through the kpi_bind_* adapters */
%ignore kpi_rank_options::key;
%ignore kpi_rank_options::group;
%ignore kpi_rank_options::eligible;
/* arrays of these cross as columns (kpi_bind_schedule_new, kpi_bind_tier_table_new, ...) */
%ignore kpi_bracket_row;
%ignore kpi_bracket_row::from;   /* no "from is a python keyword" warning */
%ignore kpi_tier_band::from;
%ignore kpi_tier_band;
%ignore kpi_quota;

/* Raw calls replaced by kpi_bind_* adapters (arrays with shared lengths,
 * arrays inside options, arrays of structs, snprintf-style text). */
%ignore kpi_schedule_new;
%ignore kpi_schedule_lint;
%ignore kpi_schedule_eval_batch;
%ignore kpi_pool_split;
%ignore kpi_fine_total;
%ignore kpi_payslip_line;
%ignore kpi_pay_why_format;
%ignore kpi_payslip_explain;
%ignore kpi_rank;
%ignore kpi_percentrank_of;
%ignore kpi_tier_bands_lint;
%ignore kpi_tier_table_new;
%ignore kpi_tier_table_apply;
%ignore kpi_forced_new;
%ignore kpi_forced_apply;
%ignore kpi_tiering_explain;
%ignore kpi_periods_reduce;
%ignore kpi_streaks;

%include "kpiscore/common.h"
%include "kpiscore/version.h"
%include "kpiscore/error.h"
%include "kpiscore/decimal.h"
%include "kpiscore/lint.h"

%apply (const int64_t *IN, size_t IN_N) { (const kpi_dec *sorted, size_t n) }
%include "kpiscore/quantile.h"

%include "kpiscore/pay.h"
%include "kpiscore/rank.h"
%include "kpiscore/tiers.h"

/* ---- plans, rubrics, metrics, sketches, the run ------------------------ */

KPI_HANDLE(kpi_plan)
KPI_HANDLE(kpi_rubric)
KPI_HANDLE(kpi_inputs)
KPI_HANDLE(kpi_scorecard)
KPI_HANDLE(kpi_metric_registry)
KPI_HANDLE(kpi_agents)
KPI_HANDLE(kpi_metrics)
KPI_HANDLE(kpi_metrics_csv)
KPI_HANDLE(kpi_sketch)
KPI_HANDLE(kpi_run)

KPI_STRUCT(kpi_plan_options, KPI_PLAN_OPTIONS_INIT)
KPI_STRUCT(kpi_score_line, KPI_SCORE_LINE_INIT)
KPI_STRUCT(kpi_metric_term, KPI_METRIC_TERM_INIT)
KPI_STRUCT(kpi_metric_def, KPI_METRIC_DEF_INIT)
KPI_STRUCT(kpi_metrics_options, KPI_METRICS_OPTIONS_INIT)
KPI_STRUCT(kpi_metric_raw, KPI_METRIC_RAW_INIT)
KPI_STRUCT(kpi_metrics_csv_result, KPI_METRICS_CSV_RESULT_INIT)
KPI_STRUCT(kpi_sketch_options, KPI_SKETCH_OPTIONS_INIT)
KPI_STRUCT(kpi_sketch_stats, KPI_SKETCH_STATS_INIT)
KPI_STRUCT(kpi_run_row, KPI_RUN_ROW_INIT)

/* strings in result rows and definitions are borrowed from their owner */
%immutable kpi_score_line::id;
%immutable kpi_score_line::label;
%immutable kpi_score_line::category;
%immutable kpi_score_line::value;
%immutable kpi_score_line::row;
%immutable kpi_score_line::reason;
%immutable kpi_run_row::id;
%immutable kpi_run_row::name;
%immutable kpi_run_row::team;
%immutable kpi_run_row::centre;
%immutable kpi_metric_def::id;
%immutable kpi_metric_def::name;
/* terms travel with a definition only in C (registries come from plans here) */
%ignore kpi_metric_def::num;
%ignore kpi_metric_def::den;
/* the CSV options hold a C callback: the adapters take their fields instead */
%ignore kpi_metrics_csv_options;
%ignore kpi_metrics_progress_fn;

/* Rubrics come from plans in the bindings; the builder (C structs of
 * borrowed strings, row-by-row calls) stays a C API for now. */
%ignore kpi_rubric_builder_new;
%ignore kpi_rubric_builder_free;
%ignore kpi_rubric_builder_input;
%ignore kpi_rubric_builder_category;
%ignore kpi_rubric_builder_item;
%ignore kpi_rubric_builder_band;
%ignore kpi_rubric_builder_grade;
%ignore kpi_rubric_builder_event;
%ignore kpi_rubric_builder_part;
%ignore kpi_rubric_builder_adjustment;
%ignore kpi_rubric_builder_gate;
%ignore kpi_rubric_builder_eligibility;
%ignore kpi_rubric_build;
%ignore kpi_rubric_options;
%ignore kpi_rubric_item;
%ignore kpi_rubric_adjustment;

/* Raw calls replaced by kpi_bind_* adapters below. */
%ignore kpi_rubric_input;
%ignore kpi_scorecard_explain;
%ignore kpi_metrics_add_batch;
%ignore kpi_metrics_add_batch_threads;
%ignore kpi_metrics_save;
%ignore kpi_metrics_load;
%ignore kpi_metrics_quantiles;
%ignore kpi_metrics_period_label;
%ignore kpi_metrics_ingest_csv;
%ignore kpi_metrics_csv_new;
%ignore kpi_metrics_csv_feed;
%ignore kpi_sketch_add_n;
%ignore kpi_sketch_serialize;
%ignore kpi_sketch_deserialize;
%ignore kpi_run_explain;

/* out-parameters with their own names become return values too */
%apply int32_t *out { kpi_round *mode, int *places, int *passed }
%apply uint32_t *out { uint32_t *index, uint32_t *parent }
%apply uint16_t *out { uint16_t *code }
%apply size_t *out { size_t *index, size_t *bytes }
%apply int64_t *out { int64_t *start_ms, int64_t *end_ms }
%apply (const int64_t *IN, size_t IN_N) { (const kpi_dec *values, size_t n) }

#ifdef SWIGJAVA
/* C expressions javac cannot read */
%javaconstvalue("Long.MIN_VALUE") KPI_DEC_UNSET;
%javaconstvalue("Long.MAX_VALUE") KPI_DEC_NO_CAP;
%javaconstvalue(0x8000) KPI_EVENT_EXCUSED;
%javaconstvalue(1) KPI_REGISTRY_BUILTINS;
%javaconstvalue(1) KPI_TERM_NEGATE;
%javaconstvalue(2) KPI_TERM_EXCLUDE_EXCUSED;
%javaconstvalue(1) KPI_METRIC_COMPLEMENT;
%javaconstvalue(2) KPI_METRIC_POPULATION;
%javaconstvalue(1) KPI_METRICS_CSV_ADD_AGENTS;
%javaconstvalue(2) KPI_METRICS_CSV_SKIP_UNKNOWN_EVENTS;
%javaconstvalue(4) KPI_METRICS_CSV_MONEY_YUAN;
#endif

%include "kpiscore/sketch.h"
%include "kpiscore/metrics.h"
%include "kpiscore/rubric.h"
%include "kpiscore/plan.h"
%include "kpiscore/run.h"


/* ======================================================================
 * kpi_bind_* adapters: the batch calls as (pointer, length) pairs
 * ==================================================================== */

%apply (const int64_t *IN, size_t IN_N) {
    (const int64_t *from, size_t n_from), (const int64_t *to, size_t n_to),
    (const int64_t *rate, size_t n_rate), (const int64_t *base, size_t n_base),
    (const int64_t *anchor, size_t n_anchor), (const int64_t *basis, size_t n_basis),
    (const int64_t *amounts, size_t n_amounts), (const int64_t *weights, size_t n_weights),
    (const int64_t *keys, size_t n_keys), (const int64_t *steps, size_t n_steps),
    (const int64_t *scores, size_t n_scores), (const int64_t *key, size_t n_key),
    (const int64_t *values, size_t n_values), (const int64_t *x, size_t n_x),
    (const int64_t *share, size_t n_share), (const int64_t *count, size_t n_count),
    (const int64_t *data, size_t n_data)
}
%apply (const int32_t *IN, size_t IN_N) {
    (const int32_t *ends, size_t n_ends), (const int32_t *from_end, size_t n_from_end),
    (const int32_t *to_end, size_t n_to_end), (const int32_t *kind, size_t n_kind),
    (const int32_t *limit, size_t n_limit)
}
%apply (const uint32_t *IN, size_t IN_N) { (const uint32_t *group, size_t n_group) }
%apply (const uint8_t *IN, size_t IN_N) {
    (const uint8_t *eligible, size_t n_eligible), (const uint8_t *cond, size_t n_cond)
}
%apply (int64_t *OUT, size_t OUT_N) {
    (int64_t *results, size_t n_results), (int64_t *ranks, size_t n_ranks),
    (int64_t *pcts, size_t n_pcts), (int64_t *run, size_t n_run), (int64_t *data_out, size_t n_data_out)
}
%apply (double *OUT, size_t OUT_N) { (double *pcts_f64, size_t n_pcts_f64) }
%apply (uint8_t *OUT, size_t OUT_N) { (uint8_t *flag, size_t n_flag) }
%apply (const char *const *STRINGS, size_t STRINGS_N) { (const char *const *labels, size_t n_labels) }

/* file-local helpers of the adapters */
%ignore kpi_bind_rows;
%ignore kpi_bind_rank_opts;
%ignore kpi_bind_bands;

%newobject kpi_bind_pay_why_text;
%newobject kpi_bind_payslip_explain;
%newobject kpi_bind_tiering_explain;

%inline %{
/* ---- pay ---------------------------------------------------------------- */

/* Rows of a schedule from columns; rate, base, anchor and ends may be absent
 * (the KPI_BRACKET_ROW_INIT values). The caller frees *out. */
static kpi_status kpi_bind_rows(kpi_bracket_row **out, const int64_t *from, size_t n,
                                const int64_t *to, size_t n_to, const int32_t *ends, size_t n_ends,
                                const int64_t *rate, size_t n_rate, const int64_t *base, size_t n_base,
                                const int64_t *anchor, size_t n_anchor)
{
    KPI_BIND_LEN(to, n_to, n, 0);
    KPI_BIND_LEN(ends, n_ends, n, 1);
    KPI_BIND_LEN(rate, n_rate, n, 1);
    KPI_BIND_LEN(base, n_base, n, 1);
    KPI_BIND_LEN(anchor, n_anchor, n, 1);
    kpi_bracket_row *rows = (kpi_bracket_row *)calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        return kpi_bind_fail(KPI_BIND_ENOMEM, "no memory for %zu schedule rows", n);
    for (size_t i = 0; i < n; i++) {
        kpi_bracket_row r = KPI_BRACKET_ROW_INIT;
        r.from = from[i];
        r.to = to[i];
        if (ends) r.ends = ends[i];
        if (rate) r.rate = rate[i];
        if (base) r.base = base[i];
        if (anchor) r.anchor = anchor[i];
        rows[i] = r;
    }
    *out = rows;
    return KPI_OK;
}

/** kpi_schedule_new() with the rows as columns (from, to, ends, rate, base, anchor). */
kpi_status kpi_bind_schedule_new(kpi_schedule **out, const kpi_schedule_def *def,
                                 const int64_t *from, size_t n_from, const int64_t *to, size_t n_to,
                                 const int32_t *ends, size_t n_ends, const int64_t *rate, size_t n_rate,
                                 const int64_t *base, size_t n_base, const int64_t *anchor, size_t n_anchor)
{
    kpi_bracket_row *rows = NULL;
    kpi_status st = kpi_bind_rows(&rows, from, n_from, to, n_to, ends, n_ends, rate, n_rate,
                                  base, n_base, anchor, n_anchor);
    if (st != KPI_OK)
        return st;
    st = kpi_schedule_new(out, def, rows, n_from);
    free(rows);
    return st;
}

/** kpi_schedule_lint() with the rows as columns. */
kpi_status kpi_bind_schedule_lint(kpi_lint *lint, const kpi_schedule_def *def,
                                  const int64_t *from, size_t n_from, const int64_t *to, size_t n_to,
                                  const int32_t *ends, size_t n_ends, const int64_t *rate, size_t n_rate,
                                  const int64_t *base, size_t n_base, const int64_t *anchor, size_t n_anchor)
{
    kpi_bracket_row *rows = NULL;
    kpi_status st = kpi_bind_rows(&rows, from, n_from, to, n_to, ends, n_ends, rate, n_rate,
                                  base, n_base, anchor, n_anchor);
    if (st != KPI_OK)
        return st;
    st = kpi_schedule_lint(lint, def, rows, n_from);
    free(rows);
    return st;
}

/** kpi_schedule_eval_batch(): results[i] for basis[i] (and amounts[i] for a ratio schedule). */
kpi_status kpi_bind_schedule_eval_batch(const kpi_schedule *schedule, const int64_t *basis, size_t n_basis,
                                        const int64_t *amounts, size_t n_amounts,
                                        int64_t *results, size_t n_results)
{
    KPI_BIND_LEN(amounts, n_amounts, n_basis, 1);
    KPI_BIND_LEN(results, n_results, n_basis, 0);
    return kpi_schedule_eval_batch(schedule, basis, amounts, n_basis, results);
}

/** kpi_pool_split() into results (n = its length); weights, keys and whys optional. */
kpi_status kpi_bind_pool_split(int64_t pool, const int64_t *weights, size_t n_weights,
                               const int64_t *keys, size_t n_keys, int64_t *results, size_t n_results,
                               kpi_pay_why *whys)
{
    KPI_BIND_LEN(weights, n_weights, n_results, 1);
    KPI_BIND_LEN(keys, n_keys, n_results, 1);
    return kpi_pool_split(pool, weights, keys, n_results, results, whys);
}

/** kpi_fine_total() with a signed count of occurrences (negative is refused). */
kpi_status kpi_bind_fine_total(int64_t *out, const int64_t *steps, size_t n_steps, kpi_fine_past past,
                               int64_t occurrences, kpi_pay_why *why)
{
    if (occurrences < 0)
        return kpi_bind_fail(KPI_BIND_EARG, "occurrences is %lld; a count cannot be negative",
                             (long long)occurrences);
    return kpi_fine_total(steps, n_steps, past, (uint64_t)occurrences, out, why);
}

/* C arrays of explanations, for kpi_bind_pool_split(): each set up with
 * KPI_PAY_WHY_INIT. kpi_bind_why_array_at() borrows element i. */
kpi_pay_why *kpi_bind_why_array_new(size_t n)
{
    kpi_pay_why *a = (kpi_pay_why *)malloc((n ? n : 1) * sizeof *a);
    for (size_t i = 0; a && i < n; i++) {
        kpi_pay_why init = KPI_PAY_WHY_INIT;
        a[i] = init;
    }
    return a;
}
void kpi_bind_why_array_free(kpi_pay_why *a) { free(a); }
void kpi_bind_why_array_get(const kpi_pay_why *a, size_t i, kpi_pay_why *out_why) { *out_why = a[i]; }

/** Line i's explanation (copied into why). */
kpi_status kpi_bind_payslip_line(const kpi_payslip *slip, size_t i, kpi_pay_why *why)
{
    return kpi_payslip_line(slip, i, NULL, why);
}

/** Line i's label (copied by the binding), or NULL out of range. */
const char *kpi_bind_payslip_label(const kpi_payslip *slip, size_t i)
{
    const char *label = NULL;
    return kpi_payslip_line(slip, i, &label, NULL) == KPI_OK ? label : NULL;
}

char *kpi_bind_pay_why_text(const kpi_pay_why *why) { KPI_BIND_TEXT(kpi_pay_why_format(why, buf, size)); }
char *kpi_bind_payslip_explain(const kpi_payslip *slip) { KPI_BIND_TEXT(kpi_payslip_explain(slip, buf, size)); }

/* ---- ranking ------------------------------------------------------------ */

/* Options for a call over n scores: a copy of @p opt (or the defaults) with
 * the optional per-score arrays plugged in. */
static kpi_status kpi_bind_rank_opts(kpi_rank_options *dst, const kpi_rank_options *opt, size_t n,
                                     const int64_t *key, size_t n_key, const uint32_t *group,
                                     size_t n_group, const uint8_t *eligible, size_t n_eligible)
{
    KPI_BIND_LEN(key, n_key, n, 1);
    KPI_BIND_LEN(group, n_group, n, 1);
    KPI_BIND_LEN(eligible, n_eligible, n, 1);
    kpi_rank_options init = KPI_RANK_OPTIONS_INIT;
    *dst = opt ? *opt : init;
    dst->key = key;
    dst->group = group;
    dst->eligible = eligible;
    return KPI_OK;
}

/** kpi_rank(): ranks, pcts and pcts_f64 each absent or as long as scores. */
kpi_status kpi_bind_rank(const int64_t *scores, size_t n_scores, int64_t *ranks, size_t n_ranks,
                         int64_t *pcts, size_t n_pcts, double *pcts_f64, size_t n_pcts_f64,
                         const kpi_rank_options *opt, const int64_t *key, size_t n_key,
                         const uint32_t *group, size_t n_group, const uint8_t *eligible, size_t n_eligible)
{
    KPI_BIND_LEN(ranks, n_ranks, n_scores, 1);
    KPI_BIND_LEN(pcts, n_pcts, n_scores, 1);
    KPI_BIND_LEN(pcts_f64, n_pcts_f64, n_scores, 1);
    kpi_rank_options o;
    kpi_status st = kpi_bind_rank_opts(&o, opt, n_scores, key, n_key, group, n_group, eligible, n_eligible);
    if (st != KPI_OK)
        return st;
    return kpi_rank(ranks, pcts, pcts_f64, scores, n_scores, &o);
}

/** kpi_percentrank_of(): pcts and pcts_f64 each absent or as long as x. */
kpi_status kpi_bind_percentrank_of(const int64_t *values, size_t n_values, const int64_t *x, size_t n_x,
                                   int64_t *pcts, size_t n_pcts, double *pcts_f64, size_t n_pcts_f64,
                                   const kpi_rank_options *opt)
{
    KPI_BIND_LEN(pcts, n_pcts, n_x, 1);
    KPI_BIND_LEN(pcts_f64, n_pcts_f64, n_x, 1);
    return kpi_percentrank_of(pcts, pcts_f64, values, n_values, x, n_x, opt);
}

/* ---- tiers -------------------------------------------------------------- */

static kpi_status kpi_bind_bands(kpi_tier_band **out, const char *const *labels, size_t n,
                                 const int64_t *from, size_t n_from, const int32_t *from_end, size_t n_from_end,
                                 const int64_t *to, size_t n_to, const int32_t *to_end, size_t n_to_end)
{
    KPI_BIND_LEN(from, n_from, n, 0);
    KPI_BIND_LEN(from_end, n_from_end, n, 0);
    KPI_BIND_LEN(to, n_to, n, 0);
    KPI_BIND_LEN(to_end, n_to_end, n, 0);
    kpi_tier_band *bands = (kpi_tier_band *)calloc(n ? n : 1, sizeof *bands);
    if (!bands)
        return kpi_bind_fail(KPI_BIND_ENOMEM, "no memory for %zu bands", n);
    for (size_t i = 0; i < n; i++) {
        kpi_tier_band b = KPI_TIER_BAND_INIT;
        b.label = labels[i];
        b.from = from[i];
        b.from_end = from_end[i];
        b.to = to[i];
        b.to_end = to_end[i];
        bands[i] = b;
    }
    *out = bands;
    return KPI_OK;
}

/** kpi_tier_table_new() with the bands as columns (labels, from, from_end, to, to_end). */
kpi_status kpi_bind_tier_table_new(kpi_tier_table **out, kpi_tier_basis basis,
                                   const char *const *labels, size_t n_labels,
                                   const int64_t *from, size_t n_from, const int32_t *from_end, size_t n_from_end,
                                   const int64_t *to, size_t n_to, const int32_t *to_end, size_t n_to_end)
{
    kpi_tier_band *bands = NULL;
    kpi_status st = kpi_bind_bands(&bands, labels, n_labels, from, n_from, from_end, n_from_end,
                                   to, n_to, to_end, n_to_end);
    if (st != KPI_OK)
        return st;
    st = kpi_tier_table_new(out, basis, bands, n_labels);
    free(bands);
    return st;
}

/** kpi_tier_bands_lint() with the bands as columns. */
kpi_status kpi_bind_tier_bands_lint(kpi_lint *lint, kpi_tier_basis basis,
                                    const char *const *labels, size_t n_labels,
                                    const int64_t *from, size_t n_from, const int32_t *from_end, size_t n_from_end,
                                    const int64_t *to, size_t n_to, const int32_t *to_end, size_t n_to_end)
{
    kpi_tier_band *bands = NULL;
    kpi_status st = kpi_bind_bands(&bands, labels, n_labels, from, n_from, from_end, n_from_end,
                                   to, n_to, to_end, n_to_end);
    if (st != KPI_OK)
        return st;
    st = kpi_tier_bands_lint(lint, basis, bands, n_labels);
    free(bands);
    return st;
}

/** kpi_tier_table_apply() with the options' arrays as buffers. */
kpi_status kpi_bind_tier_table_apply(kpi_tiering **out, const kpi_tier_table *table,
                                     const int64_t *scores, size_t n_scores, const kpi_rank_options *opt,
                                     const int64_t *key, size_t n_key, const uint32_t *group, size_t n_group,
                                     const uint8_t *eligible, size_t n_eligible)
{
    kpi_rank_options o;
    kpi_status st = kpi_bind_rank_opts(&o, opt, n_scores, key, n_key, group, n_group, eligible, n_eligible);
    return st != KPI_OK ? st : kpi_tier_table_apply(out, table, scores, n_scores, &o);
}

/** kpi_forced_new() with the quotas as columns (labels, kind, limit, share, count). */
kpi_status kpi_bind_forced_new(kpi_forced **out, const char *const *labels, size_t n_labels,
                               const int32_t *kind, size_t n_kind, const int32_t *limit, size_t n_limit,
                               const int64_t *share, size_t n_share, const int64_t *count, size_t n_count,
                               const kpi_forced_options *opt)
{
    KPI_BIND_LEN(kind, n_kind, n_labels, 0);
    KPI_BIND_LEN(limit, n_limit, n_labels, 0);
    KPI_BIND_LEN(share, n_share, n_labels, 0);
    KPI_BIND_LEN(count, n_count, n_labels, 0);
    kpi_quota *quotas = (kpi_quota *)calloc(n_labels ? n_labels : 1, sizeof *quotas);
    if (!quotas)
        return kpi_bind_fail(KPI_BIND_ENOMEM, "no memory for %zu quotas", n_labels);
    for (size_t i = 0; i < n_labels; i++) {
        kpi_quota q = KPI_QUOTA_INIT;
        q.label = labels[i];
        q.kind = kind[i];
        q.limit = limit[i];
        q.share = share[i];
        q.count = count[i];
        quotas[i] = q;
    }
    kpi_status st = kpi_forced_new(out, quotas, n_labels, opt);
    free(quotas);
    return st;
}

/** kpi_forced_apply() with the options' arrays as buffers. */
kpi_status kpi_bind_forced_apply(kpi_tiering **out, const kpi_forced *forced,
                                 const int64_t *scores, size_t n_scores, const kpi_rank_options *opt,
                                 const int64_t *key, size_t n_key, const uint32_t *group, size_t n_group,
                                 const uint8_t *eligible, size_t n_eligible)
{
    kpi_rank_options o;
    kpi_status st = kpi_bind_rank_opts(&o, opt, n_scores, key, n_key, group, n_group, eligible, n_eligible);
    return st != KPI_OK ? st : kpi_forced_apply(out, forced, scores, n_scores, &o);
}

char *kpi_bind_tiering_explain(const kpi_tiering *result, size_t i)
{
    KPI_BIND_TEXT(kpi_tiering_explain(result, i, buf, size));
}

/** kpi_periods_reduce(): results has one element per agent, scores n_agents x n_periods. */
kpi_status kpi_bind_periods_reduce(int64_t *results, size_t n_results, const int64_t *scores, size_t n_scores,
                                   size_t n_periods, size_t k, kpi_periods_how how, kpi_round mode)
{
    if (n_periods == 0 || n_scores != n_results * n_periods)
        return kpi_bind_fail(KPI_BIND_EARG, "scores has %zu elements where %zu agents x %zu periods "
                             "are needed", n_scores, n_results, n_periods);
    return kpi_periods_reduce(results, scores, n_results, n_periods, k, how, mode);
}

/** kpi_streaks(): cond is n_agents x n_periods; run and flag absent or n_agents long. */
kpi_status kpi_bind_streaks(int64_t *run, size_t n_run, uint8_t *flag, size_t n_flag,
                            const uint8_t *cond, size_t n_cond, size_t n_agents, size_t n_periods,
                            int64_t length, kpi_streak_fire fire)
{
    KPI_BIND_LEN(run, n_run, n_agents, 1);
    KPI_BIND_LEN(flag, n_flag, n_agents, 1);
    if (n_cond != n_agents * n_periods)
        return kpi_bind_fail(KPI_BIND_EARG, "cond has %zu elements where %zu agents x %zu periods "
                             "are needed", n_cond, n_agents, n_periods);
    return kpi_streaks(run, flag, cond, n_agents, n_periods, length, fire);
}
%}

/* ---- plans, metrics, sketches, the run: adapters ----------------------- */

%apply (const uint32_t *IN, size_t IN_N) { (const uint32_t *agent, size_t n_agent) }
%apply (const uint16_t *IN, size_t IN_N) { (const uint16_t *event, size_t n_event) }
%apply (const int64_t *IN, size_t IN_N) {
    (const int64_t *value, size_t n_value), (const int64_t *time_ms, size_t n_time_ms)
}
%apply (const double *IN, size_t IN_N) { (const double *samples, size_t n_samples) }
%apply (const uint8_t *IN, size_t IN_N) { (const uint8_t *bytes, size_t n_bytes) }
%apply (uint8_t *OUT, size_t OUT_N) { (uint8_t *bytes_out, size_t n_bytes_out) }

%ignore kpi_bind_csv_options;
%newobject kpi_bind_metrics_period_label;
%newobject kpi_bind_scorecard_explain;
%newobject kpi_bind_run_explain;

%{
/* The addresses the last zero-copy batch call handed to the library, for
 * the tests that prove no copy is made (per thread). */
static _Thread_local unsigned long long kpi_bind_seen[4];
%}

%inline %{
/** Address the last kpi_bind_metrics_add_batch() (i: 0 agent, 1 event,
 *  2 value, 3 time_ms) or kpi_bind_sketch_add_n() (i: 0) passed to C. */
unsigned long long kpi_bind_seen_address(int i) { return i >= 0 && i < 4 ? kpi_bind_seen[i] : 0; }

/* ---- rubric / plan ------------------------------------------------------ */

/** Name of declared input @p i of @p rubric, or NULL out of range. */
const char *kpi_bind_rubric_input_name(const kpi_rubric *rubric, size_t i)
{
    const char *name = NULL;
    return kpi_rubric_input(rubric, i, &name, NULL, NULL) == KPI_OK ? name : NULL;
}

/** Label of declared input @p i, or NULL out of range. */
const char *kpi_bind_rubric_input_label(const kpi_rubric *rubric, size_t i)
{
    const char *label = NULL;
    return kpi_rubric_input(rubric, i, NULL, NULL, &label) == KPI_OK ? label : NULL;
}

/** Kind (KPI_INPUT_*) of declared input @p i, or -1 out of range. */
int32_t kpi_bind_rubric_input_kind(const kpi_rubric *rubric, size_t i)
{
    kpi_input_kind kind = -1;
    return kpi_rubric_input(rubric, i, NULL, &kind, NULL) == KPI_OK ? kind : -1;
}

char *kpi_bind_scorecard_explain(const kpi_scorecard *card) { KPI_BIND_TEXT(kpi_scorecard_explain(card, buf, size)); }

/* ---- metrics ------------------------------------------------------------ */

/** kpi_metrics_add_batch() (threads 1) or kpi_metrics_add_batch_threads()
 *  over columns of one length; time_ms may be absent. */
kpi_status kpi_bind_metrics_add_batch(kpi_metrics *m, const uint32_t *agent, size_t n_agent,
                                      const uint16_t *event, size_t n_event, const int64_t *value,
                                      size_t n_value, const int64_t *time_ms, size_t n_time_ms,
                                      unsigned threads)
{
    KPI_BIND_LEN(event, n_event, n_agent, 0);
    KPI_BIND_LEN(value, n_value, n_agent, 0);
    KPI_BIND_LEN(time_ms, n_time_ms, n_agent, 1);
    kpi_bind_seen[0] = (unsigned long long)(uintptr_t)agent;
    kpi_bind_seen[1] = (unsigned long long)(uintptr_t)event;
    kpi_bind_seen[2] = (unsigned long long)(uintptr_t)value;
    kpi_bind_seen[3] = (unsigned long long)(uintptr_t)time_ms;
    if (threads == 1)
        return kpi_metrics_add_batch(m, agent, event, value, time_ms, n_agent);
    return kpi_metrics_add_batch_threads(m, agent, event, value, time_ms, n_agent, threads);
}

/** Size of kpi_metrics_save()'s state in bytes. */
kpi_status kpi_bind_metrics_save_size(const kpi_metrics *m, size_t *out)
{
    return kpi_metrics_save(m, NULL, 0, out);
}

/** kpi_metrics_save() into a writable byte buffer; *out is the size written. */
kpi_status kpi_bind_metrics_save(const kpi_metrics *m, uint8_t *bytes_out, size_t n_bytes_out, size_t *out)
{
    return kpi_metrics_save(m, bytes_out, n_bytes_out, out);
}

/** kpi_metrics_load() from a byte buffer (read in place). */
kpi_status kpi_bind_metrics_load(kpi_metrics **out, const kpi_metric_registry *reg, const uint8_t *bytes,
                                 size_t n_bytes, size_t max_bytes)
{
    return kpi_metrics_load(out, reg, bytes, n_bytes, max_bytes);
}

char *kpi_bind_metrics_period_label(const kpi_metrics *m, size_t i)
{
    KPI_BIND_TEXT(kpi_metrics_period_label(m, i, buf, size));
}

static kpi_status kpi_bind_csv_options(kpi_metrics_csv_options *o, const char *source, uint32_t flags,
                                       unsigned threads, int delimiter)
{
    kpi_metrics_csv_options init = KPI_METRICS_CSV_OPTIONS_INIT;
    if (delimiter < 0 || delimiter > 127)
        return kpi_bind_fail(KPI_BIND_EARG, "delimiter must be one ASCII character");
    *o = init;
    o->source = source;
    o->flags = flags;
    o->threads = threads;
    if (delimiter)
        o->delimiter = (char)delimiter;
    return KPI_OK;
}

/** kpi_metrics_ingest_csv() over a byte buffer (read in place); delimiter 0 is ','. */
kpi_status kpi_bind_metrics_ingest_csv(kpi_metrics *m, kpi_agents *agents, const uint8_t *bytes, size_t n_bytes,
                                       const char *source, uint32_t flags, unsigned threads, int delimiter,
                                       kpi_metrics_csv_result *result)
{
    kpi_metrics_csv_options o;
    kpi_status st = kpi_bind_csv_options(&o, source, flags, threads, delimiter);
    return st != KPI_OK ? st : kpi_metrics_ingest_csv(m, agents, bytes, n_bytes, &o, result);
}

/** kpi_metrics_csv_new() with the options as arguments. */
kpi_status kpi_bind_metrics_csv_new(kpi_metrics_csv **out, kpi_metrics *m, kpi_agents *agents,
                                    const char *source, uint32_t flags, int delimiter)
{
    kpi_metrics_csv_options o;
    kpi_status st = kpi_bind_csv_options(&o, source, flags, 1, delimiter);
    return st != KPI_OK ? st : kpi_metrics_csv_new(out, m, agents, &o);
}

/** kpi_metrics_csv_feed() from a byte buffer. */
kpi_status kpi_bind_metrics_csv_feed(kpi_metrics_csv *csv, const uint8_t *bytes, size_t n_bytes)
{
    return kpi_metrics_csv_feed(csv, bytes, n_bytes);
}

/* ---- sketch ------------------------------------------------------------- */

/** kpi_sketch_add_n() over a float64 buffer (read in place). */
kpi_status kpi_bind_sketch_add_n(kpi_sketch *sketch, const double *samples, size_t n_samples)
{
    kpi_bind_seen[0] = (unsigned long long)(uintptr_t)samples;
    return kpi_sketch_add_n(sketch, samples, n_samples);
}

/** Size of kpi_sketch_serialize()'s output in bytes. */
kpi_status kpi_bind_sketch_size(const kpi_sketch *sketch, size_t *out)
{
    return kpi_sketch_serialize(sketch, NULL, 0, out);
}

/** kpi_sketch_serialize() into a writable byte buffer; *out is the size written. */
kpi_status kpi_bind_sketch_serialize(const kpi_sketch *sketch, uint8_t *bytes_out, size_t n_bytes_out, size_t *out)
{
    return kpi_sketch_serialize(sketch, bytes_out, n_bytes_out, out);
}

/** kpi_sketch_deserialize() from a byte buffer. */
kpi_status kpi_bind_sketch_deserialize(kpi_sketch **out, const uint8_t *bytes, size_t n_bytes)
{
    return kpi_sketch_deserialize(out, bytes, n_bytes);
}

/* ---- the run ------------------------------------------------------------ */

char *kpi_bind_run_explain(const kpi_run *run, size_t agent) { KPI_BIND_TEXT(kpi_run_explain(run, agent, buf, size)); }
%}

#ifdef SWIGPYTHON
%inline %{
/* The address the C side receives for an int64 buffer: the zero-copy test
 * compares it with numpy's arr.ctypes.data / array.buffer_info(). */
unsigned long long kpi_bind_address(const int64_t *data, size_t n_data) { return (unsigned long long)(uintptr_t)data; }
unsigned long long kpi_bind_address_out(int64_t *data_out, size_t n_data_out) { return (unsigned long long)(uintptr_t)data_out; }

/* Test hook: the library's allocations fail after the next @p n succeed
 * (n < 0 restores the C allocator), so the tests can see KPI_ENOMEM from a
 * real call. Memory comes from malloc either way, so objects made before
 * and after the switch are freed alike. Not thread-safe (kpi_set_allocator). */
static long kpi_bind_test_budget = -1;
static void *kpi_bind_test_malloc(size_t size, void *user)
{
    (void)user;
    return kpi_bind_test_budget == 0 ? NULL : (kpi_bind_test_budget--, malloc(size));
}
static void *kpi_bind_test_realloc(void *p, size_t size, void *user)
{
    (void)user;
    return kpi_bind_test_budget == 0 ? NULL : (kpi_bind_test_budget--, realloc(p, size));
}
static void kpi_bind_test_free(void *p, void *user) { (void)user; free(p); }
void kpi_bind_test_fail_allocations_after(long n)
{
    kpi_bind_test_budget = n;
    if (n < 0)
        kpi_set_allocator(NULL, NULL, NULL, NULL);
    else
        kpi_set_allocator(kpi_bind_test_malloc, kpi_bind_test_realloc, kpi_bind_test_free, NULL);
}
%}
#endif
