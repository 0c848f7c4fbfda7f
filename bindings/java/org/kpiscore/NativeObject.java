package org.kpiscore;

import java.util.ArrayList;
import java.util.List;

/**
 * A C object owned by a Java object: closed once (try-with-resources);
 * later calls throw IllegalStateException. An object whose C side borrows
 * another's (a run borrows its plan and metrics) records it with
 * dependOn(): closing the borrowed one first only marks it closed, and it
 * is freed when its last dependent is.
 */
abstract class NativeObject implements AutoCloseable {
    private long ptr;
    private int users;
    private boolean closing;
    private final List<NativeObject> parents = new ArrayList<>();

    NativeObject(long ptr) {
        Kpi.load();
        this.ptr = ptr;
    }

    /** Frees the C object. */
    abstract void free(long ptr);

    final synchronized long ptr() {
        if (ptr == 0 || closing) throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        return ptr;
    }

    final synchronized void dependOn(NativeObject parent) {
        synchronized (parent) {
            parent.ptr();
            parent.users++;
        }
        parents.add(parent);
    }

    public final synchronized boolean isClosed() { return ptr == 0 || closing; }

    @Override
    public final synchronized void close() {
        if (ptr == 0 || closing) return;
        closing = true;
        if (users == 0) release();
    }

    private synchronized void release() {
        long p = ptr;
        ptr = 0;
        free(p);
        for (NativeObject parent : parents) parent.dropUser();
        parents.clear();
    }

    private synchronized void dropUser() {
        if (--users == 0 && closing && ptr != 0) release();
    }
}
