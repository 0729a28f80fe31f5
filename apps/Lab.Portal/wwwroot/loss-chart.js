// Keeps a run's loss chart growing while the run trains. It reads the run's metrics stream (newline-delimited JSON,
// relayed by the portal with the member's token) and redraws the SVG that the server rendered, laid out the same
// way (see LossCurve.cs). Without this script the page still shows the curve as it was when it was rendered.
(() => {
    "use strict";
    const svgNs = "http://www.w3.org/2000/svg";
    const over = new Set(["Finished", "Failed", "Cancelled"]);
    const retryMs = 3000;

    const chart = document.getElementById("loss-chart");
    if (!chart || chart.dataset.over === "true" || !window.fetch || !window.TextDecoder) {
        return;
    }
    const [width, height] = chart.getAttribute("viewBox").split(" ").slice(2).map(Number);
    const [left, right, top, bottom] = chart.dataset.margins.split(" ").map(Number);
    const totalSteps = Math.max(1, Number(chart.dataset.totalSteps));
    const live = document.getElementById("chart-live");
    const status = document.getElementById("run-status");
    const step = document.getElementById("run-step");

    let train = [];
    let val = [];
    // The seq of the last line read, so a reconnection continues after it instead of replaying the curve.
    let lastSeq = null;
    let drawPending = false;

    const format = (value) => String(Math.round(value * 10) / 10);

    function element(name, attributes, text) {
        const node = document.createElementNS(svgNs, name);
        for (const [key, value] of Object.entries(attributes)) {
            node.setAttribute(key, String(value));
        }
        if (text !== undefined) {
            node.textContent = text;
        }
        return node;
    }

    function draw() {
        drawPending = false;
        const losses = train.concat(val).map((p) => p.loss);
        let low = 0;
        let high = 1;
        if (losses.length > 0) {
            low = Math.min(...losses);
            high = Math.max(...losses);
            const pad = high > low ? (high - low) * 0.05 : 0.5;
            low -= pad;
            high += pad;
        }
        const x = (s) => left + (width - left - right) * Math.min(1, Math.max(0, s / totalSteps));
        const y = (loss) => top + (height - top - bottom) * (high - loss) / (high - low);
        const points = (series) => series.map((p) => `${format(x(p.step))},${format(y(p.loss))}`).join(" ");
        const labelY = height - 10;

        const children = [
            element("line", { class: "axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
            element("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom }),
            element("text", { class: "tick", x: left, y: labelY, "text-anchor": "start" }, "0"),
            element("text", { class: "tick", x: width - right, y: labelY, "text-anchor": "end" }, String(totalSteps)),
            element("text", { class: "tick", x: format((left + width - right) / 2), y: labelY, "text-anchor": "middle" }, "step"),
        ];
        if (losses.length > 0) {
            for (const loss of [high, (high + low) / 2, low]) {
                children.push(element("text", { class: "tick", x: left - 6, y: format(y(loss) + 4), "text-anchor": "end" }, loss.toFixed(2)));
            }
        }
        children.push(element("polyline", { class: "train", points: points(train) }));
        children.push(element("polyline", { class: "val", points: points(val) }));
        for (const p of val) {
            children.push(element("circle", { class: "val-point", cx: format(x(p.step)), cy: format(y(p.loss)), r: 3 }));
        }
        if (losses.length === 0) {
            children.push(element("text", { class: "empty", x: width / 2, y: height / 2, "text-anchor": "middle" }, "No loss reported yet"));
        }
        chart.replaceChildren(...children);
        chart.dataset.points = String(train.length);
        chart.dataset.valPoints = String(val.length);
    }

    function scheduleDraw() {
        if (!drawPending) {
            drawPending = true;
            requestAnimationFrame(draw);
        }
    }

    // One line of the stream; true when it says the run is over.
    function take(line) {
        if (line.event === "progress" && typeof line.step === "number") {
            if (Number.isFinite(line.loss)) {
                train.push({ step: line.step, loss: line.loss });
            }
            if (Number.isFinite(line.valLoss)) {
                val.push({ step: line.step, loss: line.valLoss });
            }
            scheduleDraw();
        }
        if (step && typeof line.step === "number") {
            step.textContent = String(line.step);
        }
        if (line.status && status) {
            status.textContent = line.status.toLowerCase();
            status.className = "status run-" + line.status.toLowerCase();
        }
        return Boolean(line.status && over.has(line.status));
    }

    function say(text) {
        if (live) {
            live.textContent = text;
        }
    }

    // Reads the stream from its start, or after the last line read when it broke off: "over" when the run is over,
    // "gone" when the stream is not there for this member (logged out, no such run), "broken" when it ended early.
    async function readOnce() {
        const url = lastSeq === null ? chart.dataset.stream : `${chart.dataset.stream}?after=${lastSeq}`;
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        const type = response.headers.get("content-type") || "";
        if ([401, 403, 404].includes(response.status) || response.redirected) {
            return "gone";
        }
        if (!response.ok || !type.includes("ndjson")) {
            throw new Error(`the metrics stream answered ${response.status}`);
        }
        if (lastSeq === null) {
            train = [];
            val = [];
        }
        let ended = false;
        let buffered = "";
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        say("Live: following the run.");
        chart.dataset.live = "following";
        for (;;) {
            const { value, done } = await reader.read();
            if (done) {
                break;
            }
            buffered += decoder.decode(value, { stream: true });
            let newline;
            while ((newline = buffered.indexOf("\n")) >= 0) {
                const text = buffered.slice(0, newline).trim();
                buffered = buffered.slice(newline + 1);
                if (text) {
                    const line = JSON.parse(text);
                    ended = take(line) || ended;
                    if (typeof line.seq === "number") {
                        lastSeq = line.seq;
                    }
                }
            }
        }
        scheduleDraw();
        return ended ? "over" : "broken";
    }

    async function follow() {
        for (;;) {
            let outcome = "broken";
            try {
                outcome = await readOnce();
            } catch (error) {
                say(`Lost the live feed (${error.message}); trying again.`);
                chart.dataset.live = "retrying";
            }
            if (outcome === "gone") {
                chart.dataset.live = "stopped";
                say("The live feed is not available: reload the page (or log in again) to see the latest curve.");
                return;
            }
            if (outcome === "over") {
                chart.dataset.live = "over";
                say("The run is over; showing its final figures.");
                // The page's history and final metrics are rendered by the server: show them.
                setTimeout(() => location.reload(), 1500);
                return;
            }
            await new Promise((resolve) => setTimeout(resolve, retryMs));
        }
    }

    follow();
})();
