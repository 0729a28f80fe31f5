// Picking runs in the runs table to compare them: the Compare link names every picked run by its full id
// (/compare?runs=ID,ID), whichever idea each is for. Without this script the Compare button sends the same ids as
// repeated runs=ID parameters. The table is replaced as it updates (live.js), so the picks are read when they change.
(() => {
    "use strict";
    const form = document.getElementById("compare-form");
    const link = document.getElementById("compare-link");
    const button = document.getElementById("compare");
    const said = document.getElementById("picked");
    if (!form || !link) {
        return;
    }
    const first = said ? said.textContent : "";

    const picked = () => Array.from(document.querySelectorAll("input.pick-run:checked")).map((box) => box.value);

    function update() {
        const runs = picked();
        link.href = `/compare?runs=${runs.join(",")}`;
        link.dataset.runs = runs.join(",");
        const ready = runs.length >= 2;
        link.setAttribute("aria-disabled", ready ? "false" : "true");
        link.classList.toggle("disabled", !ready);
        if (said) {
            said.textContent = runs.length === 0 ? first
                : runs.length === 1 ? "1 run picked: pick another to compare."
                : `${runs.length} runs picked.`;
        }
    }

    link.addEventListener("click", (event) => {
        if (picked().length < 2) {
            event.preventDefault();
        }
    });
    document.addEventListener("change", (event) => {
        if (event.target instanceof HTMLInputElement && event.target.classList.contains("pick-run")) {
            update();
        }
    });
    document.addEventListener("lab:live-updated", update);
    link.hidden = false;
    if (button) {
        button.hidden = true;
    }
    update();
})();
