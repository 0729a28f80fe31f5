// Lab's charts. Reads runs' metrics streams (newline-delimited JSON, relayed by the portal with the member's token) and
// draws them with uPlot (vendored in /lib/uplot): the metric charts the MetricChart component renders (hover values,
// drag to zoom, double-click to reset, log scale, smoothing; one run or several overlaid), each MoE layer's expert-load
// heatmap, the per-domain expert affinity matrix, each device's figures, and, on a run's page, every figure kept up to date while it trains.
// Without this script the pages still show their figures as they were when rendered.
(() => {
    "use strict";

    const overStatuses = new Set(["Finished", "Failed", "Cancelled"]);
    const palette = ["#2f6fdb", "#d9822b", "#1e7a3c", "#9333ea", "#b3261e", "#0891b2", "#be185d", "#4d7c0f", "#7c5c2b", "#475569"];
    const retryMs = 3000;
    const pollMs = 10000;

    // ---------------------------------------------------------------------------------------------------------------
    // Numbers as people read them.

    function formatted(value) {
        if (value === null || value === undefined || !Number.isFinite(value)) {
            return "–";
        }
        const size = Math.abs(value);
        if (size >= 1000) {
            return Math.round(value).toLocaleString("en-US");
        }
        if (size !== 0 && size < 0.01) {
            return value.toExponential(2);
        }
        return String(Number(value.toPrecision(4)));
    }

    function duration(seconds) {
        const s = Math.max(0, seconds);
        if (s >= 3600) {
            return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
        }
        if (s >= 60) {
            return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, "0")} s`;
        }
        return `${Math.round(s * 10) / 10} s`;
    }

    function bytes(count) {
        if (count === null || count === undefined || !Number.isFinite(count)) {
            return "–";
        }
        const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        let value = count;
        let unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit === 0 ? `${value} bytes` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
    }

    function percent(share) {
        return `${(share * 100).toFixed(share >= 0.1 ? 0 : 1)} %`;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // One run's metrics: every progress and evaluation line of its stream, read once (follow = false, read again every
    // few seconds while it runs) or followed live.

    class RunSource {
        constructor(id, follow) {
            this.id = id;
            this.follow = follow;
            this.train = [];
            this.evals = [];
            this.status = null;
            this.over = false;
            this.lastSeq = null;
            this.state = "loading";
            this.subscribers = [];
            this.started = false;
        }

        subscribe(callback) {
            this.subscribers.push(callback);
        }

        start() {
            if (!this.started) {
                this.started = true;
                (this.follow ? this.followLoop() : this.pollLoop()).catch(() => {});
            }
        }

        // One line; what kind of change it makes.
        take(line, changes) {
            if (typeof line.seq === "number") {
                this.lastSeq = line.seq;
            }
            if (line.event === "progress" && typeof line.step === "number") {
                if (line.valLoss !== undefined && line.valLoss !== null) {
                    keepInOrder(this.evals, {
                        step: line.step, valLoss: line.valLoss, affinity: line.expertAffinity || null, load: line.expertLoad || null,
                    });
                    changes.eval = true;
                } else {
                    keepInOrder(this.train, {
                        step: line.step, loss: line.loss, lr: line.learningRate, gradNorm: line.gradNorm, tokensPerS: line.tokensPerS,
                        maxOverMean: line.expertLoadMaxOverMean, cv: line.expertLoadCv, aux: line.auxLoss, mtp: line.mtpLoss,
                        load: line.expertLoad || null, devices: Array.isArray(line.perDevice) ? line.perDevice : null,
                    });
                    changes.train = true;
                }
            } else if (line.event === "checkpoint") {
                changes.checkpoint = true;
            }
            if (line.status) {
                this.status = line.status;
                this.over = overStatuses.has(line.status);
                changes.status = true;
            }
        }

        tell(changes) {
            for (const callback of this.subscribers) {
                callback(this, changes);
            }
        }

        url(follow) {
            const query = [`follow=${follow}`];
            if (this.lastSeq !== null) {
                query.push(`after=${this.lastSeq}`);
            }
            return `/runs/${this.id}/metrics?${query.join("&")}`;
        }

        // Reads the stream to its end: "over" when the run is over, "gone" when it is not there for this member,
        // "ended" when it ended otherwise (a snapshot read, or a followed stream that broke off).
        async readOnce(follow) {
            const response = await fetch(this.url(follow), { credentials: "same-origin", cache: "no-store" });
            const type = response.headers.get("content-type") || "";
            if ([401, 403, 404].includes(response.status) || response.redirected) {
                return "gone";
            }
            if (!response.ok || !type.includes("ndjson")) {
                throw new Error(`the metrics stream answered ${response.status}`);
            }
            this.state = follow ? "following" : "read";
            this.tell({});
            const reader = response.body.getReader();
            const decoder = new TextDecoder();
            let buffered = "";
            for (;;) {
                const { value, done } = await reader.read();
                if (done) {
                    break;
                }
                buffered += decoder.decode(value, { stream: true });
                const changes = {};
                let newline;
                while ((newline = buffered.indexOf("\n")) >= 0) {
                    const text = buffered.slice(0, newline).trim();
                    buffered = buffered.slice(newline + 1);
                    if (text) {
                        this.take(JSON.parse(text), changes);
                    }
                }
                if (Object.keys(changes).length > 0) {
                    this.tell(changes);
                }
            }
            return this.over ? "over" : "ended";
        }

        async followLoop() {
            for (;;) {
                let outcome = "ended";
                try {
                    outcome = await this.readOnce(true);
                } catch {
                    this.state = "retrying";
                    this.tell({});
                }
                if (outcome === "gone" || outcome === "over") {
                    this.state = outcome === "over" ? "over" : "stopped";
                    this.tell({ state: true });
                    return;
                }
                await sleep(retryMs);
            }
        }

        // Reads what is there, and again every few seconds (after the last line read) until the run is over.
        async pollLoop() {
            for (;;) {
                let outcome;
                try {
                    outcome = await this.readOnce(false);
                } catch {
                    outcome = "failed";
                }
                if (outcome === "gone" || this.over) {
                    this.state = outcome === "gone" ? "stopped" : "over";
                    this.tell({ state: true });
                    return;
                }
                this.state = outcome === "failed" ? "retrying" : "read";
                this.tell({ state: true });
                await sleep(pollMs);
            }
        }
    }

    // A resumed run may report steps again: the newest report of a step stands, the arrays stay in step order.
    function keepInOrder(points, point) {
        while (points.length > 0 && points[points.length - 1].step >= point.step) {
            points.pop();
        }
        points.push(point);
    }

    function sleep(ms) {
        return new Promise((resolve) => setTimeout(resolve, ms));
    }

    const sources = new Map();

    function sourceFor(id, follow) {
        let source = sources.get(id);
        if (!source) {
            source = new RunSource(id, follow);
            sources.set(id, source);
        } else if (follow) {
            source.follow = true;
        }
        return source;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What each kind of chart draws of a run.

    const metrics = {
        loss: {
            axis: "loss",
            series: () => [
                { label: "train loss", from: "train", value: (p) => p.loss, smooth: true },
                { label: "validation loss", from: "evals", value: (p) => p.valLoss, dash: [6, 4], points: true, validation: true },
            ],
        },
        lr: {
            axis: "learning rate",
            series: () => [{ label: "learning rate", from: "train", value: (p) => p.lr }],
        },
        gradNorm: {
            axis: "gradient norm",
            series: () => [{ label: "gradient norm", from: "train", value: (p) => p.gradNorm, smooth: true }],
        },
        throughput: {
            axis: "tokens/s",
            series: () => [{ label: "tokens/s", from: "train", value: (p) => p.tokensPerS, smooth: true }],
        },
        devices: {
            axis: "tokens/s",
            series: (source) => deviceIds(source).map((id) => ({
                label: id, from: "train", value: (p) => p.devices?.find((d) => d.id === id)?.tokensPerS, smooth: true,
            })),
        },
        load: {
            axis: "max/mean load",
            series: (source, several) => {
                const all = [{ label: "expert load max/mean", from: "train", value: (p) => p.maxOverMean, smooth: true }];
                const layers = several ? 0 : layerCount(source);
                for (let layer = 0; layer < layers; layer++) {
                    all.push({ label: `layer ${layer + 1}`, from: "train", value: (p) => maxOverMean(p.load && p.load[layer]), smooth: true, thin: true });
                }
                return all;
            },
        },
    };

    // The devices of the run's latest training line that names them, in their order.
    function deviceIds(source) {
        const last = source.train.findLast((p) => p.devices);
        return last ? last.devices.map((d) => d.id) : [];
    }

    function layerCount(source) {
        const last = source.train.findLast((p) => p.load);
        return last ? last.load.length : 0;
    }

    function maxOverMean(shares) {
        if (!shares || shares.length === 0) {
            return null;
        }
        return Math.max(...shares) * shares.length;
    }

    // TensorBoard's smoothing: an exponential moving average, debiased so the first points are not pulled toward zero.
    function smoothed(points, weight) {
        if (weight <= 0) {
            return points;
        }
        let last = 0;
        let count = 0;
        return points.map(([x, y]) => {
            last = last * weight + (1 - weight) * y;
            count++;
            return [x, last / (1 - Math.pow(weight, count))];
        });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A metric chart: one figure the MetricChart component rendered, for one run or several.

    class MetricChart {
        constructor(figure) {
            this.figure = figure;
            this.kind = metrics[figure.dataset.metric];
            const ids = (figure.dataset.runs || "").split(",").filter(Boolean);
            const labels = JSON.parse(figure.dataset.labels || "[]");
            const follow = figure.dataset.follow === "true";
            this.runs = ids.map((id, i) => ({ id, label: labels[i] || id.slice(0, 8), source: sourceFor(id, follow) }));
            this.plot = figure.querySelector(".chart-plot");
            this.state = figure.querySelector(".chart-state");
            this.log = figure.querySelector("input.log-scale");
            this.smoothing = figure.querySelector("input.smoothing");
            this.smoothingShown = figure.querySelector("output.smoothing-value");
            this.reset = figure.querySelector("button.reset-zoom");
            this.u = null;
            this.shape = "";
            this.zoomed = false;
            this.pending = false;
            for (const run of this.runs) {
                run.source.subscribe(() => this.schedule());
            }
            this.log?.addEventListener("change", () => this.draw(true));
            this.smoothing?.addEventListener("input", () => {
                if (this.smoothingShown) {
                    this.smoothingShown.textContent = Number(this.smoothing.value).toFixed(2);
                }
                this.draw(false);
            });
            this.reset?.addEventListener("click", () => {
                this.zoomed = false;
                this.draw(false);
            });
            if (window.ResizeObserver) {
                new ResizeObserver(() => this.u?.setSize(this.size())).observe(this.plot);
            }
            figure.dataset.ready = "true";
        }

        schedule() {
            if (!this.pending) {
                this.pending = true;
                requestAnimationFrame(() => {
                    this.pending = false;
                    this.draw(false);
                });
            }
        }

        size() {
            return { width: Math.max(240, this.plot.clientWidth), height: Number(this.figure.dataset.height || 240) };
        }

        // The series of every run, each with its points, aligned on the union of their steps as uPlot wants them.
        series() {
            const several = this.runs.length > 1;
            const weight = Number(this.smoothing?.value || 0);
            const log = Boolean(this.log?.checked);
            const all = [];
            this.runs.forEach((run, r) => {
                this.kind.series(run.source, several).forEach((spec, s) => {
                    let points = run.source[spec.from]
                        .map((p) => [p.step, spec.value(p)])
                        .filter(([, y]) => typeof y === "number" && Number.isFinite(y) && (!log || y > 0));
                    if (spec.smooth) {
                        points = smoothed(points, weight);
                    }
                    all.push({
                        spec,
                        points,
                        label: several ? `${run.label} · ${spec.label}` : spec.label,
                        color: several ? palette[r % palette.length] : palette[s % palette.length],
                    });
                });
            });
            return all;
        }

        draw(rebuild) {
            const all = this.series();
            const steps = [...new Set(all.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
            const column = new Map(steps.map((x, i) => [x, i]));
            const data = [steps, ...all.map((s) => {
                const values = new Array(steps.length).fill(null);
                for (const [x, y] of s.points) {
                    values[column.get(x)] = y;
                }
                return values;
            })];
            const shape = all.map((s) => s.label).join("|") + `|log=${Boolean(this.log?.checked)}`;
            if (rebuild || !this.u || shape !== this.shape) {
                this.u?.destroy();
                this.u = null;
                this.shape = shape;
                this.zoomed = false;
                if (window.uPlot) {
                    this.u = new window.uPlot(this.options(all), data, this.plot);
                    this.u.over.addEventListener("dblclick", () => {
                        this.zoomed = false;
                    });
                }
            } else {
                this.u.setData(data, !this.zoomed);
            }
            this.figure.dataset.points = String(all.length > 0 ? all[0].points.length : 0);
            this.figure.dataset.valPoints = String(all.filter((s) => s.spec.validation).reduce((n, s) => n + s.points.length, 0));
            this.figure.dataset.series = String(all.length);
            this.say(steps.length);
        }

        options(all) {
            const chart = this;
            return {
                ...this.size(),
                scales: { x: { time: false }, y: { distr: this.log?.checked ? 3 : 1 } },
                axes: [
                    { label: "step", stroke: "#5d6b78", grid: { stroke: "#eef2f6" } },
                    { label: this.kind.axis, stroke: "#5d6b78", size: 64, grid: { stroke: "#eef2f6" }, values: (u, ticks) => ticks.map(formatted) },
                ],
                series: [
                    { label: "step", value: (u, v) => (v === null || v === undefined ? "–" : String(v)) },
                    ...all.map((s) => ({
                        label: s.label,
                        stroke: s.color,
                        width: s.spec.thin ? 1 : 2,
                        dash: s.spec.dash,
                        spanGaps: true,
                        points: { show: Boolean(s.spec.points), size: 5, fill: s.color },
                        value: (u, v) => formatted(v),
                    })),
                ],
                cursor: { drag: { x: true, y: false, setScale: true } },
                legend: { live: true },
                hooks: {
                    setSelect: [(u) => {
                        if (u.select.width > 0) {
                            chart.zoomed = true;
                        }
                    }],
                },
            };
        }

        say(points) {
            if (!this.state) {
                return;
            }
            const states = this.runs.map((r) => r.source.state);
            if (!window.uPlot) {
                this.state.textContent = "The charting library did not load: reload the page.";
            } else if (points === 0) {
                this.state.textContent = states.includes("loading") ? "Reading the run's metrics…" : "No points reported yet.";
            } else if (states.includes("following")) {
                this.state.textContent = "Live: the chart grows as the run reports. Drag to zoom, double-click to zoom out.";
            } else if (states.includes("retrying")) {
                this.state.textContent = "Lost the live feed; trying again.";
            } else {
                this.state.textContent = "Drag to zoom, double-click to zoom out; hover for values.";
            }
            this.figure.dataset.feed = states.includes("following") ? "following" : states.every((s) => s === "over") ? "over" : states[0] || "";
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Each MoE layer's expert load over the steps: a heatmap whose cells say how much of the layer's tokens an expert
    // took against an even share (blue below, white even, red above).

    function heatColor(share, experts) {
        const ratio = share * experts;
        if (!(ratio > 0)) {
            return "rgb(30, 64, 175)";
        }
        const t = Math.max(-1, Math.min(1, Math.log2(ratio) / 2));
        const [r, g, b] = t < 0 ? [30, 64, 175] : [179, 38, 30];
        const k = Math.abs(t);
        return `rgb(${Math.round(255 + (r - 255) * k)}, ${Math.round(255 + (g - 255) * k)}, ${Math.round(255 + (b - 255) * k)})`;
    }

    class Heatmaps {
        constructor(element) {
            this.element = element;
            this.source = sourceFor(element.dataset.run, element.dataset.follow === "true");
            this.layers = [];
            this.pending = false;
            this.source.subscribe((s, changes) => {
                if (changes.train) {
                    this.schedule();
                }
            });
            if (window.ResizeObserver) {
                new ResizeObserver(() => this.schedule()).observe(element);
            }
        }

        schedule() {
            if (!this.pending) {
                this.pending = true;
                requestAnimationFrame(() => {
                    this.pending = false;
                    this.draw();
                });
            }
        }

        draw() {
            const columns = this.source.train.filter((p) => p.load);
            const count = columns.length > 0 ? columns[columns.length - 1].load.length : 0;
            const empty = this.element.querySelector(".heatmaps-empty");
            if (empty) {
                empty.hidden = count > 0;
            }
            while (this.layers.length < count) {
                this.layers.push(this.addLayer(this.layers.length));
            }
            this.layers.forEach((layer, index) => this.drawLayer(layer, columns.filter((p) => p.load[index]), index));
            this.element.dataset.layers = String(count);
            this.element.dataset.columns = String(columns.length);
        }

        addLayer(index) {
            const figure = document.createElement("figure");
            figure.className = "heatmap";
            figure.dataset.layer = String(index + 1);
            const caption = document.createElement("figcaption");
            caption.textContent = `MoE layer ${index + 1}`;
            const canvas = document.createElement("canvas");
            canvas.setAttribute("role", "img");
            canvas.setAttribute("aria-label", `Expert load of MoE layer ${index + 1} over the steps`);
            const axis = document.createElement("div");
            axis.className = "heatmap-axis meta";
            const readout = document.createElement("div");
            readout.className = "heatmap-readout meta";
            readout.textContent = "Hover for an expert's share at a step.";
            figure.append(caption, canvas, axis, readout);
            this.element.querySelector(".heatmaps-layers").append(figure);
            const layer = { figure, canvas, axis, readout, columns: [] };
            canvas.addEventListener("mousemove", (event) => this.hover(layer, event));
            canvas.addEventListener("mouseleave", () => {
                layer.readout.textContent = "Hover for an expert's share at a step.";
            });
            return layer;
        }

        drawLayer(layer, columns, index) {
            layer.columns = columns;
            const experts = columns.length > 0 ? columns[0].load[index].length : 0;
            const width = Math.max(200, layer.figure.clientWidth || this.element.clientWidth || 600);
            const cell = Math.max(6, Math.min(16, Math.floor(200 / Math.max(1, experts))));
            const height = Math.max(1, experts) * cell;
            const ratio = window.devicePixelRatio || 1;
            layer.canvas.width = Math.round(width * ratio);
            layer.canvas.height = Math.round(height * ratio);
            layer.canvas.style.width = `${width}px`;
            layer.canvas.style.height = `${height}px`;
            layer.experts = experts;
            layer.index = index;
            const context = layer.canvas.getContext("2d");
            context.setTransform(ratio, 0, 0, ratio, 0, 0);
            context.clearRect(0, 0, width, height);
            // At most one column per pixel: a long run's lines are sampled evenly across the width.
            const drawn = Math.min(columns.length, Math.floor(width));
            const columnWidth = width / Math.max(1, drawn);
            for (let c = 0; c < drawn; c++) {
                const shares = columns[Math.floor((c * columns.length) / drawn)].load[index];
                for (let e = 0; e < shares.length; e++) {
                    context.fillStyle = heatColor(shares[e], shares.length);
                    context.fillRect(c * columnWidth, e * cell, Math.ceil(columnWidth), cell);
                }
            }
            layer.axis.textContent = columns.length === 0 ? ""
                : `steps ${columns[0].step} to ${columns[columns.length - 1].step} · experts 0 to ${experts - 1}, top to bottom`;
            layer.figure.dataset.columns = String(columns.length);
            layer.figure.dataset.experts = String(experts);
        }

        hover(layer, event) {
            const box = layer.canvas.getBoundingClientRect();
            const c = Math.floor(((event.clientX - box.left) / box.width) * layer.columns.length);
            const e = Math.floor(((event.clientY - box.top) / box.height) * layer.experts);
            const point = layer.columns[c];
            if (!point || e < 0 || e >= layer.experts) {
                return;
            }
            const share = point.load[layer.index][e];
            layer.readout.textContent = `step ${point.step} · expert ${e}: ${percent(share)} of the layer's routed tokens (${(share * layer.experts).toFixed(2)}× an even share)`;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Which experts each domain of the synthetic corpus goes to, at the latest evaluation.

    class Affinity {
        constructor(element) {
            this.element = element;
            this.source = sourceFor(element.dataset.run, element.dataset.follow === "true");
            this.step = null;
            this.source.subscribe((s, changes) => {
                if (changes.eval) {
                    this.draw();
                }
            });
        }

        draw() {
            const latest = this.source.evals.findLast((p) => p.affinity && Object.keys(p.affinity).length > 0);
            if (!latest || latest.step === this.step) {
                return;
            }
            this.step = latest.step;
            const domains = Object.keys(latest.affinity);
            const experts = Math.max(...domains.map((d) => latest.affinity[d].length));
            const table = document.createElement("table");
            table.className = "affinity";
            table.id = "affinity-matrix";
            const head = table.createTHead().insertRow();
            head.append(th("domain"));
            for (let e = 0; e < experts; e++) {
                head.append(th(`e${e}`));
            }
            const body = table.createTBody();
            for (const domain of domains) {
                const shares = latest.affinity[domain];
                const top = Math.max(...shares);
                const row = body.insertRow();
                row.dataset.domain = domain;
                row.append(th(domain));
                shares.forEach((share, e) => {
                    const cell = row.insertCell();
                    cell.textContent = (share * 100).toFixed(0);
                    cell.title = `${domain} → expert ${e}: ${percent(share)} of the domain's routed tokens`;
                    // Through the CSSOM (allowed by the portal's Content-Security-Policy, unlike style attributes).
                    const strength = Math.min(1, (share * experts) / 4);
                    cell.style.backgroundColor = `rgba(47, 111, 219, ${strength.toFixed(3)})`;
                    if (strength > 0.55) {
                        cell.style.color = "#fff";
                    }
                    if (share === top) {
                        cell.className = "top";
                    }
                });
            }
            const note = document.createElement("p");
            note.className = "meta";
            note.textContent = `At the evaluation of step ${latest.step}, in the last MoE layer: each row is a domain of the synthetic corpus, each cell the share of its routed tokens (in %) that went to an expert. A row spread evenly means no specialisation; a few dark cells mean experts that serve that domain.`;
            const holder = this.element.querySelector(".affinity-table");
            holder.replaceChildren(table, note);
            this.element.dataset.step = String(latest.step);
            const empty = this.element.querySelector(".affinity-empty");
            if (empty) {
                empty.hidden = true;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Each of the run's devices at its latest training line: its replica's rate, the memory in use, a GPU's utilisation.

    class DeviceTable {
        constructor(element) {
            this.element = element;
            this.source = sourceFor(element.dataset.run, element.dataset.follow === "true");
            this.step = null;
            this.source.subscribe((s, changes) => {
                if (changes.train) {
                    this.draw();
                }
            });
        }

        draw() {
            const latest = this.source.train.findLast((p) => p.devices && p.devices.length > 0);
            if (!latest || latest.step === this.step) {
                return;
            }
            this.step = latest.step;
            const busy = latest.devices.some((d) => Number.isFinite(d.utilization));
            const table = document.createElement("table");
            table.id = "device-figures";
            table.className = "device-figures";
            const head = table.createTHead().insertRow();
            const figure = (text) => {
                const cell = th(text);
                cell.className = "number";
                return cell;
            };
            head.append(th("device"), figure("tokens/s"), figure("memory in use"));
            if (busy) {
                head.append(figure("utilisation"));
            }
            const body = table.createTBody();
            for (const device of latest.devices) {
                const row = body.insertRow();
                row.dataset.device = device.id;
                row.append(th(device.id));
                const rate = row.insertCell();
                rate.className = "number";
                rate.textContent = Number.isFinite(device.tokensPerS) ? String(Math.round(device.tokensPerS)) : "–";
                const memory = row.insertCell();
                memory.className = "number";
                memory.textContent = bytes(device.memoryBytes);
                if (busy) {
                    const used = row.insertCell();
                    used.className = "number";
                    used.textContent = Number.isFinite(device.utilization) ? percent(device.utilization) : "–";
                }
            }
            const note = document.createElement("p");
            note.className = "meta";
            const cpu = latest.devices.some((d) => d.id.startsWith("cpu:"));
            note.textContent = `At step ${latest.step}: each device's training tokens per second of its own computing since the previous line, and the memory in use`
                + (cpu ? " (CPU slices share their training process' memory; each shows the whole process')." : " on the device.");
            this.element.querySelector(".devices-table").replaceChildren(table, note);
            this.element.dataset.step = String(latest.step);
            this.element.dataset.devices = String(latest.devices.length);
            const empty = this.element.querySelector(".devices-empty");
            if (empty) {
                empty.hidden = true;
            }
        }
    }

    function th(text) {
        const cell = document.createElement("th");
        cell.textContent = text;
        return cell;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A run's page while it trains: its figures from the stream as lines arrive; its history, checkpoints, placement,
    // device time and final figures from the server whenever the stream says something changed (no reload).

    function runPage() {
        const root = document.getElementById("run-live");
        if (!root) {
            return;
        }
        const source = sourceFor(root.dataset.run, root.dataset.over !== "true");
        let refreshing = false;
        let again = false;
        let refreshes = 0;

        async function refresh() {
            if (refreshing) {
                again = true;
                return;
            }
            refreshing = true;
            try {
                const response = await fetch(location.pathname, { credentials: "same-origin", cache: "no-store" });
                if (response.ok && !response.redirected) {
                    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
                    for (const section of document.querySelectorAll("[data-live-section]")) {
                        const replacement = fresh.getElementById(section.id);
                        if (replacement) {
                            section.replaceWith(document.importNode(replacement, true));
                        }
                    }
                    refreshes++;
                    root.dataset.refreshes = String(refreshes);
                    showLatest();
                }
            } catch {
                // The next change tries again.
            } finally {
                refreshing = false;
                if (again) {
                    again = false;
                    setTimeout(refresh, 500);
                }
            }
        }

        function set(id, text) {
            const element = document.getElementById(id);
            if (element && text !== null) {
                element.textContent = text;
            }
        }

        // The stream's newest figures over what the server rendered (a refresh may bring an older snapshot of them).
        function showLatest() {
            const last = source.train[source.train.length - 1];
            if (last && !source.over) {
                set("run-step", String(Math.max(last.step, Number(document.getElementById("run-step")?.textContent) || 0)));
                set("run-loss", Number.isFinite(last.loss) ? last.loss.toFixed(3) : null);
                set("run-tokens-per-s", Number.isFinite(last.tokensPerS) ? String(Math.round(last.tokensPerS)) : null);
            }
            const lastEval = source.evals[source.evals.length - 1];
            if (lastEval && !source.over) {
                set("run-val-loss", lastEval.valLoss.toFixed(3));
            }
        }

        let timer = null;
        source.subscribe((s, changes) => {
            if (changes.train || changes.eval) {
                showLatest();
            }
            if (changes.status && s.status) {
                const status = document.getElementById("run-status");
                if (status) {
                    status.textContent = s.status.toLowerCase();
                    status.className = "status run-" + s.status.toLowerCase();
                }
            }
            // A run over when the page was rendered has nothing left to change on it.
            if (root.dataset.over !== "true" && (changes.status || changes.checkpoint || (changes.state && s.state === "over"))) {
                clearTimeout(timer);
                timer = setTimeout(refresh, s.over ? 0 : 800);
            }
            root.dataset.feed = s.state;
            set("run-live-state", {
                following: "Live: this page follows the run.",
                over: "The run is over; these are its final figures.",
                retrying: "Lost the live feed; trying again.",
                stopped: "The live feed is not available: reload the page (or log in again).",
            }[s.state] || "");
        });

        // Device time goes on while the run holds devices, between the server's figures.
        const seen = new WeakMap();
        setInterval(() => {
            const element = document.getElementById("run-device-time");
            if (!element) {
                return;
            }
            if (!seen.has(element)) {
                seen.set(element, performance.now());
            }
            const devices = Number(element.dataset.devices || 0);
            if (devices > 0 && !source.over) {
                const seconds = Number(element.dataset.seconds || 0) + devices * (performance.now() - seen.get(element)) / 1000;
                element.textContent = duration(seconds);
            }
        }, 1000);
    }

    // ---------------------------------------------------------------------------------------------------------------

    function start() {
        for (const figure of document.querySelectorAll("figure.metric-chart[data-metric]")) {
            if (metrics[figure.dataset.metric]) {
                new MetricChart(figure);
            }
        }
        for (const element of document.querySelectorAll(".heatmaps[data-run]")) {
            new Heatmaps(element);
        }
        for (const element of document.querySelectorAll(".affinity-card[data-run]")) {
            new Affinity(element);
        }
        for (const element of document.querySelectorAll(".devices-card[data-run]")) {
            new DeviceTable(element);
        }
        runPage();
        if (window.fetch && window.TextDecoder) {
            for (const source of sources.values()) {
                source.start();
            }
        }
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
