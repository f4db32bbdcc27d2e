"""`mirco worker`: drains every outbox in one loop (xAPI forwarding here; others append their drain).

A drain is `fn(app) -> int`, the number of items it handled; the loop sleeps only when a whole pass did nothing.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

import click
from flask import Flask
from flask.cli import with_appcontext

log = logging.getLogger("mirco.worker")

Drain = Callable[[Flask], int]
DRAINS: list[Drain] = []
"""Drain functions run by the worker, in order; register with `DRAINS.append(fn)`."""


def run_pass(app: Flask, drains: list[Drain] | None = None) -> int:
    """Run each drain once; a failing drain is logged and does not stop the others."""
    handled = 0
    for drain in drains if drains is not None else DRAINS:
        try:
            handled += drain(app)
        except Exception:  # noqa: BLE001 - a worker must survive any one drain's failure
            log.exception("drain %s failed", getattr(drain, "__name__", drain))
    return handled


def run(app: Flask, *, stop: threading.Event | None = None, idle_seconds: float = 1.0,
        drains: list[Drain] | None = None) -> None:
    """Loop until `stop` is set (forever from the CLI)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        if run_pass(app, drains) == 0:
            stop.wait(idle_seconds)


def start_in_background(app: Flask, *, idle_seconds: float = 1.0) -> threading.Event:
    """Run the worker loop in a daemon thread of this process; set the returned event to stop it.

    For the demo (`mirco run` with MIRCO_DEMO=1): one command, and a passed quiz reaches the demo gradebook.
    Production runs `mirco worker` as its own service, so web processes stay stateless."""
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            run(app, stop=stop, idle_seconds=idle_seconds)

    threading.Thread(target=loop, name="mirco-worker", daemon=True).start()
    return stop


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run one pass over every outbox, then exit.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds to sleep when nothing was due.")
def worker_command(once: bool, idle: float) -> None:
    """Drain the outboxes (xAPI forwarding, grade passback) with retries and backoff, until stopped."""
    from flask import current_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        click.echo(f"{run_pass(app)} item(s) handled")
        return
    click.echo(f"worker running {len(DRAINS)} drain(s); Ctrl+C stops it")
    try:
        run(app, idle_seconds=idle)
    except KeyboardInterrupt:
        click.echo("worker stopped")
