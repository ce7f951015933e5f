"""A worker whose consumer stops taking messages while the broker is reachable ends itself."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import redis

from ctportal import watchdog
from ctportal.celery import app

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def make(grace=10):
    clock = Clock()
    return watchdog.Watchdog(grace=grace, clock=clock), clock


def test_a_consumer_taking_its_probes_is_never_stalled():
    dog, clock = make()
    for _ in range(10):
        clock.now += 5
        dog.received()
        assert dog.observe(sent=True, saturated=False) is False


def test_no_message_for_the_grace_period_with_the_broker_up_is_a_stall():
    dog, clock = make(grace=10)
    clock.now += 5
    assert dog.observe(sent=True, saturated=False) is False
    clock.now += 5
    assert dog.observe(sent=True, saturated=False) is False  # 10 s reachable, 10 s quiet
    clock.now += 1
    assert dog.observe(sent=True, saturated=False) is False  # quiet counted from reachable
    clock.now += 9
    assert dog.observe(sent=True, saturated=False) is True


def test_the_grace_period_starts_again_when_the_broker_comes_back():
    dog, clock = make(grace=10)
    for _ in range(6):  # the broker is down for 30 s: nothing can arrive, nothing is wrong
        clock.now += 5
        assert dog.observe(sent=False, saturated=False) is False
    clock.now += 5
    assert dog.observe(sent=True, saturated=False) is False
    clock.now += 9
    assert dog.observe(sent=True, saturated=False) is False
    clock.now += 1
    assert dog.observe(sent=True, saturated=False) is True


def test_a_worker_busy_in_every_slot_is_not_stalled():
    dog, clock = make(grace=10)
    for _ in range(10):  # a long job holds the only slot: the worker rightly fetches nothing
        clock.now += 5
        assert dog.observe(sent=True, saturated=True) is False
    clock.now += 5
    assert dog.observe(sent=True, saturated=False) is False  # free again: a new grace period
    clock.now += 10
    assert dog.observe(sent=True, saturated=False) is True


def test_saturation_is_the_prefetch_limit_reached(monkeypatch):
    from celery.worker import state

    runner = watchdog._Runner(SimpleNamespace(qos=SimpleNamespace(value=2)), 1, 10)
    monkeypatch.setattr(state, "reserved_requests", {"a"})
    assert runner.saturated() is False
    monkeypatch.setattr(state, "reserved_requests", {"a", "b"})
    assert runner.saturated() is True
    runner.consumer.qos.value = 0  # no prefetch limit: never saturated
    assert runner.saturated() is False


def test_the_probe_is_a_task_of_the_portal():
    app.loader.import_default_modules()  # what a worker does on start: discover the tasks
    assert watchdog.PROBE_TASK in app.tasks
    assert app.conf.worker_direct is True


@pytest.mark.worker
@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="needs Redis as the Celery broker: set REDIS_URL (CI's PostgreSQL run does)",
)
def test_a_real_worker_that_stops_consuming_exits_for_its_supervisor(tmp_path):
    from tests.ctportal.test_celery_worker import worker_broker_url

    broker = worker_broker_url()
    queue = f"ctportal-test-{uuid.uuid4().hex[:8]}"
    hostname = f"watchdog-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ctportal.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "REDIS_URL": broker,
        "WORKER_WATCHDOG_INTERVAL": "1",
        "WORKER_WATCHDOG_GRACE": "3",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "ctportal", "worker"),
                *("--pool=solo", "-Q", queue, "-n", hostname, "--loglevel=INFO"),
                *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.2)
        # Healthy for three grace periods: its probes arrive, it stays.
        time.sleep(9)
        assert process.poll() is None, log_path.read_text()
        assert "worker_probe" in log_path.read_text()
        assert "took no message" not in log_path.read_text()

        # Its consumer stops taking messages (as after a broker reconnection gone wrong).
        for name in (queue, f"{hostname}.dq2"):
            control = subprocess.run(
                [
                    *(sys.executable, "-m", "celery", "-A", "ctportal", "control"),
                    *("cancel_consumer", name, "-d", hostname, "--timeout", "5"),
                ],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert f"no longer consuming from {name}" in control.stdout, control.stdout
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("the stalled worker did not stop:\n" + log_path.read_text())
        assert code == watchdog.EXIT_STALLED
        assert "took no message for 3 s while its broker was reachable" in log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        redis.Redis.from_url(broker).delete(queue, f"_kombu.binding.{queue}", f"{hostname}.dq2")


def test_a_task_waiting_for_its_countdown_fills_a_slot(monkeypatch):
    from celery.worker import state

    runner = watchdog._Runner(SimpleNamespace(qos=SimpleNamespace(value=3)), 1, 10)
    monkeypatch.setattr(state, "reserved_requests", {"a", "b"})
    monkeypatch.setattr(state, "scheduled_requests", set())
    assert runner.saturated() is False
    monkeypatch.setattr(state, "scheduled_requests", {"retry in ten minutes"})
    assert runner.saturated() is True


class FakeConsumer(SimpleNamespace):
    pass


@pytest.mark.parametrize(
    ("interval", "grace", "expected"),
    [(30, 120, 120), (30, 0, None), (0, 120, None), (30, 20, 90), (2, 6, 6)],
)
def test_the_watchdog_starts_with_a_grace_of_at_least_three_intervals(
    settings, monkeypatch, interval, grace, expected
):
    started = []
    monkeypatch.setattr(watchdog, "_runner", None)
    monkeypatch.setattr(watchdog._Runner, "__init__", lambda self, c, i, g: started.append(g))
    monkeypatch.setattr(
        watchdog._Runner, "thread", SimpleNamespace(start=lambda: None), raising=False
    )
    settings.WORKER_WATCHDOG_INTERVAL = interval
    settings.WORKER_WATCHDOG_GRACE = grace
    consumer = FakeConsumer(app=SimpleNamespace(conf=SimpleNamespace(worker_direct=True)))

    watchdog._start(sender=consumer)

    assert started == ([] if expected is None else [expected])
