"""One Chromium per worker process, driven by Playwright on its own event-loop thread, with a page pool.

``BrowserHost`` owns a daemon thread running an asyncio loop, the Playwright driver and the browser.
Callers on any thread hand it a coroutine function (``run``); at most ``pool_size`` of them run at once,
each on its own page. Pages of JavaScript-free renders are reused (``set_content`` replaces the whole
document, cookies never reach them); a render with JavaScript enabled gets a fresh context, closed after.

Recycling and crashes are invisible to callers: after ``restart_after`` renders the host waits for the
renders in flight, closes the browser and launches a new one; when the browser or a page dies under a
render, the render is retried once on a fresh page (a fresh browser if the browser died).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import structlog
from playwright.async_api import Browser, BrowserContext, Page, Playwright, Route, WebSocketRoute, async_playwright
from playwright.async_api import Error as PlaywrightError

from pdf_render.errors import BrowserUnavailableError, RenderCrashError, RenderError, RenderTimeoutError
from pdf_render.metrics import BROWSER_LAUNCHES

__all__ = ["LAUNCH_ARGS", "BrowserHost", "HostStats", "Slot"]

log = structlog.get_logger(__name__)
T = TypeVar("T")

#: The launch flags of the brief, plus defence in depth: Chromium resolves no name and reaches no address
#: by itself (every allowed byte is fetched by our pinned fetcher and handed over with ``route.fulfill``),
#: and WebRTC may not send UDP around it.
LAUNCH_ARGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)

Interceptor = Callable[[Route], Awaitable[None]]


@dataclass
class Slot:
    """A page lent to one render; ``interceptor`` decides every request the page makes."""

    context: BrowserContext
    page: Page
    javascript: bool
    generation: int
    interceptor: Interceptor | None = None
    crashed: bool = False
    #: Set by a render that may navigate later (meta refresh, URL mode): the page is reset before reuse.
    dirty: bool = False
    media: str | None = None

    async def dispatch(self, route: Route) -> None:
        interceptor = self.interceptor
        if interceptor is None:
            await _abort(route)
            return
        try:
            await interceptor(route)
        except Exception as exc:  # noqa: BLE001 - an unhandled route would hang the page: refuse instead
            log.warning("request interceptor failed; request refused", error=repr(exc)[:300])
            await _abort(route)


@dataclass
class HostStats:
    launches: int = 0
    renders: int = 0
    recycles: int = 0
    crashes: int = 0
    retries: int = 0
    pages_created: int = 0
    last_launch_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


async def _abort(route: Route) -> None:
    # "accessdenied", never "blockedbyclient": Chromium 156 crashes (SIGTRAP) when a page with a data: iframe has
    # sibling frames aborted as blockedbyclient (reproduced 10/10); accessdenied / failed / fulfil do not
    with contextlib.suppress(PlaywrightError):  # already handled, or the page is gone
        await route.abort("accessdenied")


async def _refuse_websocket(ws: WebSocketRoute) -> None:
    await ws.close(code=1008, reason="network access is disabled")


class BrowserHost:
    """A Chromium instance with a bounded page pool, usable from any thread; ``close()`` stops it."""

    def __init__(
        self,
        chromium_path: Path,
        *,
        pool_size: int = 4,
        restart_after: int = 100,
        launch_timeout: float = 20.0,
        args: tuple[str, ...] = LAUNCH_ARGS,
    ):
        self.chromium_path = Path(chromium_path)
        self.pool_size = pool_size
        self.restart_after = restart_after
        self.launch_timeout = launch_timeout
        self.args = args
        self.stats = HostStats()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="chromium-host", daemon=True)
        self._thread.start()
        self._closed = False
        # state below is only touched on the loop thread
        self._pw: Playwright | None = None
        self._browser: Browser | None = None
        self._generation = 0
        self._since_launch = 0
        self._inflight = 0
        self._recycling = False
        self._next_cause = "start"
        self._idle: list[Slot] = []
        self._cond: asyncio.Condition | None = None
        self._sem: asyncio.Semaphore | None = None

    # -- public, any thread ---------------------------------------------------------------------------

    def run(self, job: Callable[[Slot], Awaitable[T]], *, javascript: bool, timeout: float) -> T:
        """Run ``job`` on a pooled page within ``timeout`` seconds (queueing for a free page excluded)."""
        if self._closed:
            raise BrowserUnavailableError("the browser host is closed")
        future = asyncio.run_coroutine_threadsafe(self._run(job, javascript, timeout), self._loop)
        try:
            return future.result(timeout + 2 * self.launch_timeout + 15)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise RenderTimeoutError(f"render did not finish within {timeout:g} s (browser host stuck)") from None
        except BaseException:
            # e.g. Celery's SoftTimeLimitExceeded raised in this thread: stop the render, free its page
            future.cancel()
            raise

    def warm_up(self) -> None:
        """Launch the browser now (worker start-up) instead of on the first render."""
        asyncio.run_coroutine_threadsafe(self._ensure_browser(), self._loop).result(self.launch_timeout + 10)

    def close(self, timeout: float = 15.0) -> None:
        if self._closed:
            return
        self._closed = True
        if self._loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()

    # -- loop thread ------------------------------------------------------------------------------------

    def _primitives(self) -> tuple[asyncio.Condition, asyncio.Semaphore]:
        if self._cond is None or self._sem is None:
            self._cond = asyncio.Condition()
            self._sem = asyncio.Semaphore(self.pool_size)
        return self._cond, self._sem

    async def _run(self, job: Callable[[Slot], Awaitable[T]], javascript: bool, timeout: float) -> T:
        _, sem = self._primitives()
        async with sem:
            for attempt in (1, 2):
                slot = await self._acquire(javascript)
                generation = slot.generation
                try:
                    result = await asyncio.wait_for(job(slot), timeout)
                except TimeoutError:
                    await self._discard(slot)
                    raise RenderTimeoutError(f"render did not finish within {timeout:g} s") from None
                except PlaywrightError as exc:
                    browser_died = not self._connected(generation)
                    page_died = slot.crashed or slot.page.is_closed()
                    await self._discard(slot)
                    if not (browser_died or page_died):
                        raise RenderError(f"render failed: {_first_line(exc)}") from exc
                    self.stats.crashes += 1
                    log.warning("chromium died during a render", browser=browser_died, page=page_died, attempt=attempt)
                    if not browser_died and not await self._browser_alive(generation):
                        browser_died = True  # the disconnect had not been noticed yet
                    if browser_died:
                        await self._forget_dead_browser(generation)
                    if attempt == 2:
                        if browser_died:
                            raise BrowserUnavailableError("Chromium crashed twice during this render") from exc
                        raise RenderCrashError("the page crashed twice while rendering this document") from exc
                    self.stats.retries += 1
                    continue
                except BaseException:
                    await self._discard(slot)
                    raise
                else:
                    await self._release(slot)
                    return result
                finally:
                    await self._done()
        raise AssertionError("unreachable")  # pragma: no cover

    def _connected(self, generation: int) -> bool:
        return self._browser is not None and self._generation == generation and self._browser.is_connected()

    async def _acquire(self, javascript: bool) -> Slot:
        cond, _ = self._primitives()
        async with cond:
            await cond.wait_for(lambda: not self._recycling)
            if self._browser is not None and self._since_launch >= self.restart_after:
                self._recycling = True
                try:
                    await cond.wait_for(lambda: self._inflight == 0)
                    self.stats.recycles += 1
                    self._next_cause = "recycle"
                    log.info("recycling chromium", renders=self._since_launch)
                    await self._close_browser()
                finally:
                    self._recycling = False
                    cond.notify_all()
            await self._ensure_browser()
            self._inflight += 1
            self._since_launch += 1
            self.stats.renders += 1
        try:
            while not javascript and self._idle:
                slot = self._idle.pop()
                if slot.generation == self._generation and not slot.page.is_closed() and not slot.crashed:
                    return slot
                await self._close_slot(slot)
            return await self._new_slot(javascript)
        except BaseException:
            await self._done()
            raise

    async def _done(self) -> None:
        cond, _ = self._primitives()
        async with cond:
            self._inflight -= 1
            cond.notify_all()

    async def _new_slot(self, javascript: bool) -> Slot:
        browser = await self._ensure_browser()
        try:
            context = await browser.new_context(
                java_script_enabled=javascript,
                service_workers="block",
                accept_downloads=False,
                bypass_csp=False,
                locale="ro-RO",
                timezone_id="Europe/Bucharest",
            )
            page = await context.new_page()
        except PlaywrightError as exc:
            # the browser died between renders: forget it, the next attempt launches a new one
            await self._close_browser()
            raise BrowserUnavailableError(f"could not open a page: {_first_line(exc)}") from exc
        slot = Slot(context=context, page=page, javascript=javascript, generation=self._generation)
        page.on("crash", lambda _page: setattr(slot, "crashed", True))
        await context.route("**/*", slot.dispatch)
        await context.route_web_socket("**/*", _refuse_websocket)
        self.stats.pages_created += 1
        return slot

    async def _release(self, slot: Slot) -> None:
        slot.interceptor = None
        reusable = (
            not slot.javascript
            and not slot.crashed
            and not slot.page.is_closed()
            and slot.generation == self._generation
            and len(self._idle) < self.pool_size
        )
        if reusable and slot.dirty:
            try:  # a fresh document: no pending meta refresh from the last render
                await asyncio.wait_for(slot.page.goto("about:blank"), 5)
                slot.dirty = False
            except Exception:  # noqa: BLE001 - a page that cannot be reset is closed instead
                reusable = False
        if reusable:
            self._idle.append(slot)
        else:
            await self._close_slot(slot)

    async def _discard(self, slot: Slot) -> None:
        slot.interceptor = None
        await self._close_slot(slot)

    async def _close_slot(self, slot: Slot) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(slot.context.close(), 5)

    async def _browser_alive(self, generation: int) -> bool:
        """A round trip to the browser process (``is_connected`` lags behind a SIGKILL)."""
        browser = self._browser
        if browser is None or not self._connected(generation):
            return False
        try:
            context = await asyncio.wait_for(browser.new_context(), 5)
            await asyncio.wait_for(context.close(), 5)
        except Exception:  # noqa: BLE001 - any failure means it cannot render
            return False
        return True

    async def _forget_dead_browser(self, generation: int) -> None:
        cond, _ = self._primitives()
        async with cond:
            if self._browser is not None and self._generation == generation:  # not a newer one
                self._next_cause = "crash"
                await self._close_browser()

    async def _ensure_browser(self) -> Browser:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._browser is not None:
            log.warning("chromium is gone; launching a new one")
            self._next_cause = "crash"
            await self._close_browser()
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                if self._pw is None:
                    self._pw = await async_playwright().start()
                browser = await self._pw.chromium.launch(
                    executable_path=str(self.chromium_path),
                    args=list(self.args),
                    headless=True,
                    timeout=self.launch_timeout * 1000,
                    handle_sigint=False,
                    handle_sigterm=False,
                    handle_sighup=False,
                )
                break
            except Exception as exc:
                log.warning("chromium launch failed", attempt=attempt, error=_first_line(exc))
                await self._stop_driver()  # a dead driver is the usual cause of a second failure
                if attempt == 2:
                    raise BrowserUnavailableError(
                        f"Chromium could not be launched from {self.chromium_path}: {_first_line(exc)}"
                    ) from exc
        self._browser = browser
        self._generation += 1
        self._since_launch = 0
        self.stats.launches += 1
        BROWSER_LAUNCHES.labels(cause=self._next_cause).inc()
        self._next_cause = "crash"  # any launch that is not the first or a recycle replaces a dead browser
        self.stats.last_launch_s = time.perf_counter() - started
        log.info(
            "chromium launched",
            version=browser.version,
            seconds=round(self.stats.last_launch_s, 3),
            generation=self._generation,
        )
        return browser

    async def _close_browser(self) -> None:
        idle, self._idle = self._idle, []
        browser, self._browser = self._browser, None
        for slot in idle:
            await self._close_slot(slot)
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), 10)

    async def _stop_driver(self) -> None:
        pw, self._pw = self._pw, None
        if pw is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pw.stop(), 10)

    async def _shutdown(self) -> None:
        await self._close_browser()
        await self._stop_driver()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
