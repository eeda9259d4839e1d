"""Generator workers: progress as signals, results, errors, and cancellation between steps."""

from __future__ import annotations

import threading

from core.errors import PhotoSearchError
from gui.workers import CallWorker, GeneratorWorker, Jobs


def test_generator_worker_emits_each_step_and_the_return_value(qtbot):
    def count():
        yield from range(3)
        return "done"

    jobs = Jobs()
    worker = GeneratorWorker(count)
    steps = []
    worker.signals.yielded.connect(steps.append)
    with qtbot.waitSignal(worker.signals.returned, timeout=5000) as returned:
        jobs.start("test", worker)
    assert returned.args == ["done"]
    qtbot.waitUntil(lambda: steps == [0, 1, 2])
    assert jobs.shutdown()


def test_cancel_closes_the_generator_between_steps(qtbot):
    gate = threading.Event()
    cleaned_up = threading.Event()
    after_cancel = []

    def slow():
        try:
            yield 1
            gate.wait(5)
            yield 2
            after_cancel.append("ran on")  # never reached: the worker closes the generator
            yield 3
        finally:
            cleaned_up.set()

    jobs = Jobs()
    worker = GeneratorWorker(slow)
    returned = []
    worker.signals.returned.connect(returned.append)
    with qtbot.waitSignal(worker.signals.yielded, timeout=5000):
        jobs.start("test", worker)
    with qtbot.waitSignal(worker.signals.aborted, timeout=5000):
        worker.cancel()
        gate.set()
    assert cleaned_up.is_set()
    assert after_cancel == [] and returned == []
    assert worker.cancelled


def test_errors_arrive_as_signals_not_as_crashes(qtbot):
    def failing():
        yield 1
        raise PhotoSearchError("folder not found: /nowhere")

    jobs = Jobs()
    worker = GeneratorWorker(failing)
    with qtbot.waitSignal(worker.signals.errored, timeout=5000) as errored:
        jobs.start("test", worker)
    assert str(errored.args[0]) == "folder not found: /nowhere"

    call = CallWorker(lambda: 1 / 0)
    with qtbot.waitSignal(call.signals.errored, timeout=5000) as errored:
        jobs.start("test", call)
    assert isinstance(errored.args[0], ZeroDivisionError)

    ok = CallWorker(lambda: 42)
    with qtbot.waitSignal(ok.signals.returned, timeout=5000) as returned:
        jobs.start("test", ok)
    assert returned.args == [42]
    assert jobs.shutdown()
