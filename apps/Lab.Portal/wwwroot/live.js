// Keeps a page's live parts up to date without reloading it. The server renders every page whole; the parts marked
// data-live (with an id) are read again from the same address every data-live-every milliseconds and put in place of
// the ones shown, so every figure they hold (statuses, steps, losses, device time, waiting reasons, rosters) is the
// server's, worded and formatted as on first load. Boxes ticked in them stay ticked, tables stay scrolled where they
// were, and nothing is read while the page is hidden. Without this script the page is what it was when it was loaded.
(() => {
    "use strict";
    const regions = () => Array.from(document.querySelectorAll("[data-live][id]"));
    if (regions().length === 0 || !window.fetch || !window.DOMParser) {
        return;
    }
    const root = document.documentElement;
    const slowest = 60000;
    let failures = 0;
    let timer = null;

    // The shortest interval any live part asks for (a part with nothing changing asks for a long one).
    function interval() {
        const asked = regions().map((r) => Number(r.dataset.liveEvery)).filter((n) => Number.isFinite(n) && n >= 1000);
        const every = asked.length > 0 ? Math.min(...asked) : 5000;
        return Math.min(slowest, every * Math.pow(2, Math.min(failures, 4)));
    }

    // What the reader has done inside a part that a new copy must keep: ticked boxes, horizontal scrolling.
    function remember(region) {
        const ticked = new Set(Array.from(region.querySelectorAll("input[type=checkbox][data-keep-checked]:checked"))
            .map((box) => `${box.name}=${box.value}`));
        const scrolled = new Map(Array.from(region.querySelectorAll("[id]"))
            .filter((e) => e.scrollLeft > 0)
            .map((e) => [e.id, e.scrollLeft]));
        return { ticked, scrolled };
    }

    function restore(region, kept) {
        for (const box of region.querySelectorAll("input[type=checkbox][data-keep-checked]")) {
            box.checked = kept.ticked.has(`${box.name}=${box.value}`);
        }
        for (const [id, left] of kept.scrolled) {
            const element = region.querySelector(`#${CSS.escape(id)}`);
            if (element) {
                element.scrollLeft = left;
            }
        }
    }

    async function refresh() {
        if (document.visibilityState === "hidden") {
            return;
        }
        const response = await fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } });
        if (response.redirected || response.status === 401 || response.status === 403) {
            // Logged out (or the token was revoked): the page says what it said; a reload leads to the login page.
            root.dataset.live = "stopped";
            return "stop";
        }
        if (!response.ok) {
            throw new Error(`the page answered ${response.status}`);
        }
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        let replaced = 0;
        for (const region of regions()) {
            const next = fresh.getElementById(region.id);
            if (!next || next.dataset.live === undefined) {
                continue;
            }
            const kept = remember(region);
            const copy = document.importNode(next, true);
            region.replaceWith(copy);
            restore(copy, kept);
            replaced++;
        }
        root.dataset.liveUpdates = String(Number(root.dataset.liveUpdates || "0") + replaced);
        document.dispatchEvent(new CustomEvent("lab:live-updated"));
    }

    function schedule() {
        clearTimeout(timer);
        timer = setTimeout(tick, interval());
    }

    async function tick() {
        try {
            if (await refresh() === "stop") {
                return;
            }
            failures = 0;
            root.dataset.live = "following";
        } catch {
            failures++;
            root.dataset.live = "retrying";
        }
        schedule();
    }

    // Back on a page that was hidden: read it at once rather than at the next tick.
    document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible" && root.dataset.live !== "stopped") {
            clearTimeout(timer);
            tick();
        }
    });
    root.dataset.live = "following";
    schedule();
})();
