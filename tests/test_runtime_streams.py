"""Streams belong to threads, as in the reference: a stream made with new_stream (or a
thread's default stream, or a thread-local stream a thread resolved) is evaluated only by
the thread that made it; other threads may build ops on it and synchronize with it, and
evaluating raises RuntimeError ("There is no Stream(cpu, N) in current thread."). Each
thread has its own default stream. Thread-unsafe streams are evaluated by any thread."""

import threading

import numpy as np
import pytest

import mlx.core as mx


def in_thread(fn):
    """Runs fn in a new thread; returns its result or the exception it raised."""
    box = {}

    def work():
        try:
            box["v"] = fn()
        except Exception as e:  # reported to the caller
            box["v"] = e

    t = threading.Thread(target=work)
    t.start()
    t.join()
    return box["v"]


def index_of(s):
    """A stream's number, from its repr "Stream(Device(cpu, 0), N)"."""
    return int(repr(s).rsplit(", ", 1)[1].rstrip(")"))


def no_stream(s):
    return f"There is no Stream(cpu, {index_of(s)}) in current thread."


def assert_raises_no_stream(result, s):
    assert isinstance(result, RuntimeError), result
    assert str(result) == no_stream(s)


def test_each_thread_has_its_own_default_stream():
    main = mx.default_stream(mx.cpu)
    seen = [in_thread(lambda: (mx.default_stream(mx.cpu), mx.default_stream(mx.default_device()))) for _ in range(3)]
    for a, b in seen:
        assert a == b and a != main and a.device == mx.cpu
    assert len({index_of(a) for a, _ in seen}) == 3
    assert mx.default_stream(mx.cpu) == main


def test_work_on_another_threads_stream_raises_when_evaluated():
    s = mx.new_stream(mx.cpu)

    def build_then_eval():
        a = mx.add(mx.array(1), mx.array(2), stream=s)  # building is fine
        with mx.stream(s):
            b = mx.array(3) + 1
        mx.synchronize(s)  # so is synchronizing
        out = []
        for f in (lambda: mx.eval(a), lambda: a.item(), lambda: b.tolist(), lambda: mx.async_eval(b),
                  lambda: repr(a), lambda: np.array(a)):
            try:
                f()
                out.append(None)
            except RuntimeError as e:
                out.append(str(e))
        return out

    assert in_thread(build_then_eval) == [no_stream(s)] * 6
    # Built here, evaluated there.
    a = mx.multiply(mx.arange(4), 2, stream=s)
    assert_raises_no_stream(in_thread(lambda: a.item() if a.size == 1 else a.tolist()), s)
    assert_raises_no_stream(in_thread(lambda: mx.eval(a + 1)), s)
    # The owner still evaluates it, after the failed attempts.
    assert a.tolist() == [0, 2, 4, 6]
    c = mx.multiply(mx.arange(4), 3, stream=s)
    assert (c + 1).tolist() == [1, 4, 7, 10]
    mx.synchronize(s)


def test_the_main_threads_default_stream_belongs_to_it():
    x = mx.arange(5) + 1  # lazy, on this thread's default stream
    r = in_thread(lambda: x.tolist())
    assert_raises_no_stream(r, mx.default_stream(mx.cpu))
    assert x.tolist() == [1, 2, 3, 4, 5]
    # Evaluated arrays are shared freely: the thread computes on its own default stream.
    assert in_thread(lambda: (x * 2).tolist()) == [2, 4, 6, 8, 10]


def test_a_threads_arrays_evaluated_there_are_readable_everywhere():
    box = []

    def work():
        a = mx.arange(3) + 1
        b = mx.arange(3) + 2
        mx.eval(a)
        mx.async_eval(b)
        box.append((a, b, mx.arange(3) + 3, mx.default_stream(mx.cpu)))

    in_thread(work)
    a, b, lazy, s = box[0]
    assert a.tolist() == [1, 2, 3] and b.tolist() == [2, 3, 4]
    # The thread is gone, and so is its default stream.
    with pytest.raises(RuntimeError, match=rf"There is no Stream\(cpu, {index_of(s)}\) in current thread\."):
        lazy.tolist()


def test_thread_unsafe_streams_are_evaluated_by_any_thread():
    u = mx.new_thread_unsafe_stream(mx.cpu)
    assert isinstance(u, mx.Stream)
    with mx.stream(u):
        x = mx.arange(10) * 2
    assert in_thread(lambda: x.sum().item()) == 90
    y = mx.add(mx.array([0, 1, 2]), 1, stream=u)
    assert in_thread(lambda: mx.add(y, 1, stream=u).tolist()) == [2, 3, 4]
    with pytest.raises(ValueError):
        mx.new_thread_unsafe_stream(mx.gpu)


def test_thread_local_streams_are_per_thread():
    tl = mx.new_thread_local_stream(mx.cpu)
    x = mx.add(mx.array(1), 1, stream=tl)
    with mx.stream(tl):
        main_s = mx.default_stream(mx.cpu)
    r = in_thread(lambda: x.item())
    assert_raises_no_stream(r, main_s)

    def own():
        with mx.stream(tl):
            s = mx.default_stream(mx.cpu)
        return s, mx.add(mx.array(1), 1, stream=tl).item()

    s, v = in_thread(own)
    assert v == 2 and s != main_s
    assert x.item() == 2


def test_set_default_stream_in_a_thread():
    s = mx.new_stream(mx.cpu)

    def work():
        mx.set_default_stream(s)
        assert mx.default_stream(mx.cpu) == s
        return mx.arange(3) + 1  # built on s, a stream of the main thread

    a = in_thread(work)
    assert isinstance(a, mx.array)
    assert a.tolist() == [1, 2, 3]  # the owner evaluates it


def test_clear_streams_in_a_thread_gives_it_a_new_default():
    # The reference keeps reporting the destroyed default stream, and every later op of the
    # thread fails to evaluate.
    def work():
        d0 = mx.default_stream(mx.cpu)
        x = mx.arange(3) + 1
        mx.clear_streams()
        d1 = mx.default_stream(mx.cpu)
        try:
            x.tolist()
            err = None
        except RuntimeError as e:
            err = str(e)
        return d0, d1, err, (mx.arange(3) + 2).tolist()

    d0, d1, err, vals = in_thread(work)
    assert d0 != d1 and err == no_stream(d0) and vals == [2, 3, 4]
    # The main thread keeps its default stream through clear_streams.
    main = mx.default_stream(mx.cpu)
    s = mx.new_stream(mx.cpu)
    mx.clear_streams()
    assert mx.default_stream(mx.cpu) == main
    assert (mx.arange(2) + 1).tolist() == [1, 2]
    with pytest.raises(RuntimeError):
        mx.add(mx.ones(2), 1, stream=s)


def test_threads_share_a_graph_on_a_thread_unsafe_stream():
    # Many threads evaluating one graph at once: each node runs once, every thread sees it
    # (the reference crashes here).
    u = mx.new_thread_unsafe_stream(mx.cpu)
    with mx.stream(u):
        x = mx.array(0.0)
        for _ in range(500):
            x = x + 1.0
    barrier = threading.Barrier(4)
    out = []

    def work(k):
        barrier.wait()
        out.append([x.item, lambda: np.array(x).item(), lambda: (mx.eval(x), x.item())[1], x.tolist][k]())

    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert out == [500.0] * 4


def test_many_threads_with_their_own_streams():
    errors = []

    def work(k):
        try:
            s = mx.new_stream(mx.cpu)
            for i in range(50):
                a = mx.multiply(mx.arange(1000.0), float(k), stream=s)
                b = a + i  # this thread's default stream, waits on s
                mx.async_eval(b)
                if b[999].item() != 999.0 * k + i:
                    errors.append((k, i))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(repr(e))

    ts = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
