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

/* ---- the API ------------------------------------------------------------ */
#define KPI_API
%ignore kpi_set_allocator; /* C embedders only: hooks are C function pointers */

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
