"""One render on a pooled page: load the source under the network policy, wait, print, count pages."""

from __future__ import annotations

import asyncio
import io
import time
from dataclasses import dataclass, field
from typing import Any

import structlog
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page, Route
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from pdf_render.browser import BrowserHost, Slot
from pdf_render.errors import (
    RenderError,
    RenderTimeoutError,
    UpstreamStatusError,
    UpstreamUnavailableError,
)
from pdf_render.fetcher import Budget, FetchFailed, FetchRefused, ResourceFetcher
from pdf_render.metrics import BLOCKED_REQUESTS
from pdf_render.models import PdfOptions
from pdf_render.netpolicy import NetworkPolicy, Verdict
from shared.errors import PayloadError

__all__ = ["PdfRenderer", "RenderLimits", "RenderedPdf", "RequestGuard"]

log = structlog.get_logger(__name__)
_LOCAL_SCHEMES = ("data:", "blob:", "about:")
HARD_STOP_GRACE = 1.0


@dataclass(frozen=True)
class RenderLimits:
    max_pdf_bytes: int = 50 * 1024 * 1024
    max_pages: int = 1000
    max_resource_bytes: int = 10 * 1024 * 1024
    max_total_resource_bytes: int = 30 * 1024 * 1024
    max_requests: int = 200
    max_redirects: int = 5
    resource_timeout: float = 10.0


@dataclass
class RenderedPdf:
    data: bytes
    pages: int
    elapsed_ms: float
    refused: list[Verdict] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class RequestGuard:
    """The route handler of one render: every request is refused unless the fetcher may and can fetch it."""

    def __init__(self, fetcher: ResourceFetcher, budget: Budget, page: Page):
        self.page = page
        self.fetcher = fetcher
        self.budget = budget
        self.failed: list[str] = []
        self.main_error: Exception | None = None
        self.main_status: int | None = None

    async def __call__(self, route: Route) -> None:
        request = route.request
        url = request.url
        is_main = False
        if request.is_navigation_request():
            try:
                is_main = request.frame == self.page.main_frame
            except PlaywrightError:  # a popup's first request has no frame yet
                is_main = False
        if url.lower().startswith(_LOCAL_SCHEMES):
            await route.continue_()  # handled inside Chromium: no network
            return
        try:
            fetched = await self.fetcher.fetch(url, method=request.method, headers=request.headers, budget=self.budget)
        except FetchRefused as exc:
            log.info("page request refused", url=url[:200], reason=exc.verdict.reason)
            BLOCKED_REQUESTS.labels(reason=exc.verdict.reason).inc()
            if is_main:
                self.main_error = exc
            await route.abort("accessdenied")
            return
        except FetchFailed as exc:
            self.failed.append(f"{url[:200]}: {exc}")
            if is_main:
                self.main_error = exc
            await route.abort("failed")
            return
        if is_main:
            self.main_status = fetched.status
        await route.fulfill(status=fetched.status, headers=fetched.headers, body=fetched.body)


class PdfRenderer:
    """Turns HTML or an allowlisted URL into PDF bytes on a ``BrowserHost``."""

    def __init__(self, host: BrowserHost, policy: NetworkPolicy, limits: RenderLimits | None = None):
        self.host = host
        self.policy = policy
        self.limits = limits or RenderLimits()

    def render(
        self,
        *,
        html: str | None = None,
        url: str | None = None,
        options: PdfOptions,
        javascript: bool = False,
        timeout: float = 30.0,
    ) -> RenderedPdf:
        if (html is None) == (url is None):
            raise ValueError("give exactly one of html, url")
        started = time.perf_counter()
        budget = Budget(max_requests=self.limits.max_requests, max_bytes=self.limits.max_total_resource_bytes)
        guard_box: list[RequestGuard] = []

        async def job(slot: Slot) -> bytes:
            fetcher = ResourceFetcher(
                self.policy,
                timeout=self.limits.resource_timeout,
                max_bytes=self.limits.max_resource_bytes,
                max_redirects=self.limits.max_redirects,
            )
            guard = RequestGuard(fetcher, budget, slot.page)
            guard_box.append(guard)
            slot.interceptor = guard
            try:
                return await self._print(
                    slot,
                    guard,
                    html=html,
                    url=url,
                    options=options,
                    javascript=javascript,
                    deadline=time.monotonic() + timeout,
                )
            finally:
                slot.interceptor = None
                await fetcher.aclose()

        # the host's hard stop comes a moment after the stage timeouts, so those name the stage that hung
        data = self.host.run(job, javascript=javascript, timeout=timeout + HARD_STOP_GRACE)
        pages = self._checked_pages(data, "html" if html is not None else "url")
        guard = guard_box[-1] if guard_box else None
        return RenderedPdf(
            data=data,
            pages=pages,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
            refused=list(budget.refused),
            failed=list(guard.failed) if guard else [],
        )

    def _checked_pages(self, data: bytes, source: str) -> int:
        """The page count of ``data``; a PDF over the size or page limit is refused as bad input."""
        if len(data) > self.limits.max_pdf_bytes:
            too_large = {
                "loc": [source],
                "msg": f"{len(data)} bytes > {self.limits.max_pdf_bytes}",
                "type": "too_large",
            }
            raise PayloadError("the PDF is too large", errors=[too_large])
        pages = count_pages(data)
        if pages > self.limits.max_pages:
            too_many = {"loc": [source], "msg": f"{pages} pages > {self.limits.max_pages}", "type": "too_large"}
            raise PayloadError("the PDF has too many pages", errors=[too_many])
        return pages

    async def _print(
        self,
        slot: Slot,
        guard: RequestGuard,
        *,
        html: str | None,
        url: str | None,
        options: PdfOptions,
        javascript: bool,
        deadline: float,
    ) -> bytes:
        page = slot.page

        def remaining_ms() -> float:
            return max(1.0, (deadline - time.monotonic()) * 1000)

        stage = "loading the document"
        try:
            if slot.media != options.media:
                await page.emulate_media(media=options.media)
                slot.media = options.media
            slot.dirty = url is not None or "refresh" in (html or "").lower()
            if url is not None:
                verdict = await self.policy.check(url)
                if not verdict.allowed:
                    raise PayloadError(
                        "URL refused by the network policy",
                        errors=[{"loc": ["url"], "msg": f"{verdict.reason}: {verdict.detail}", "type": "url_refused"}],
                    )
                response = await self._goto(page, guard, url, options, remaining_ms())
                if response is not None and response >= 500:
                    raise UpstreamUnavailableError(f"{url} answered HTTP {response}", retry_after=None)
                if response is not None and response >= 400:
                    raise UpstreamStatusError(f"{url} answered HTTP {response}")
            else:
                await page.set_content(html or "", wait_until=options.wait_until, timeout=remaining_ms())
            if options.wait_for_selector:
                stage = f"waiting for selector {options.wait_for_selector!r}"
                await page.wait_for_selector(options.wait_for_selector, state="attached", timeout=remaining_ms())
            if options.wait_for_function and javascript:
                stage = "waiting for wait_for_function to become truthy"
                await page.wait_for_function(options.wait_for_function, timeout=remaining_ms())
            if options.wait_ms:
                stage = "waiting wait_ms"
                await asyncio.sleep(min(options.wait_ms / 1000, remaining_ms() / 1000))
            if url is not None or "font-face" in (html or ""):
                stage = "waiting for web fonts"
                await page.evaluate("document.fonts.ready.then(() => true)")
            stage = "printing"
            return await page.pdf(**pdf_arguments(options))
        except PlaywrightTimeoutError as exc:
            raise RenderTimeoutError(f"timed out {stage}") from exc
        except PlaywrightError as exc:
            browser = slot.context.browser
            if slot.crashed or page.is_closed() or (browser is not None and not browser.is_connected()):
                raise  # the browser host retries on a fresh page / browser
            if "Protocol error" in str(exc) and "Printing failed" in str(exc):
                raise RenderError("Chromium could not print this document (check page_ranges and paper size)") from exc
            raise RenderError(f"{stage} failed: {str(exc).splitlines()[0][:300]}") from exc

    async def _goto(
        self, page: Page, guard: RequestGuard, url: str, options: PdfOptions, timeout_ms: float
    ) -> int | None:
        try:
            response = await page.goto(url, wait_until=options.wait_until, timeout=timeout_ms)
        except PlaywrightTimeoutError:
            raise
        except PlaywrightError as exc:
            problem = guard.main_error
            if isinstance(problem, FetchRefused):
                raise PayloadError(
                    "URL refused by the network policy",
                    errors=[
                        {
                            "loc": ["url"],
                            "msg": f"{problem.verdict.url}: {problem.verdict.reason}: {problem.verdict.detail}",
                            "type": "url_refused",
                        }
                    ],
                ) from exc
            if isinstance(problem, FetchFailed):
                raise UpstreamUnavailableError(f"{url} could not be fetched: {problem}") from exc
            raise
        return guard.main_status if guard.main_status is not None else (response.status if response else None)


def pdf_arguments(options: PdfOptions) -> dict[str, Any]:
    """Keyword arguments of Playwright's ``page.pdf`` for ``options``."""
    args: dict[str, Any] = {
        "landscape": options.landscape,
        "margin": options.margin.model_dump(),
        "print_background": options.print_background,
        "prefer_css_page_size": options.prefer_css_page_size,
        "scale": options.scale,
        "tagged": options.tagged,
        "outline": options.outline,
    }
    if options.width and options.height:
        args.update(width=options.width, height=options.height)
    elif options.format:
        args["format"] = options.format
    if options.page_ranges:
        args["page_ranges"] = options.page_ranges
    if options.header_template is not None or options.footer_template is not None:
        args.update(
            display_header_footer=True,
            header_template=options.header_template or "<span></span>",
            footer_template=options.footer_template or "<span></span>",
        )
    return args


def count_pages(data: bytes) -> int:
    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except (PyPdfError, ValueError) as exc:
        raise RenderError(f"Chromium produced an unreadable PDF: {exc}") from exc
