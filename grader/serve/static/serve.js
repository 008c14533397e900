// The grading page's behaviour: rubric toggles, the live score, saving (with the version
// the grader saw, so a grade saved meanwhile by someone else is never overwritten), the
// comment bank, rubric edits and the keyboard. No inline script: the page's CSP forbids it.
"use strict";

(function () {
  const token = document.querySelector('meta[name="grader-token"]').content;
  const nameField = document.getElementById("grader-name");
  nameField.value = localStorage.getItem("grader-name") || "";
  nameField.addEventListener("change", () => localStorage.setItem("grader-name", nameField.value.trim()));

  function post(url, body) {
    body.by = nameField.value.trim();
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Grader-Token": token },
      credentials: "same-origin",
      body: JSON.stringify(body),
    }).then((r) => r.json().then((data) => ({ status: r.status, data })));
  }

  const form = document.getElementById("grade");
  if (!form) return;
  const buttons = Array.from(form.querySelectorAll(".rubric-item"));
  const adjustment = document.getElementById("adjustment");
  const comment = document.getElementById("comment");
  const score = document.getElementById("score");
  const status = document.getElementById("status");
  const conflict = document.getElementById("conflict");
  const start = parseFloat(form.dataset.start);
  const most = parseFloat(form.dataset.max);
  let dirty = false;

  // the same rule as grader.manual.manual_score
  function computed() {
    let total = start + (parseFloat(adjustment.value) || 0);
    for (const b of buttons) if (b.getAttribute("aria-pressed") === "true") total += parseFloat(b.dataset.points);
    return Math.round(Math.min(Math.max(total, 0), most) * 1e6) / 1e6;
  }
  function refresh() {
    score.textContent = String(computed());
  }
  function touched() {
    dirty = true;
    status.textContent = "not saved";
    refresh();
  }
  for (const b of buttons) {
    b.addEventListener("click", () => {
      b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
      touched();
    });
  }
  adjustment.addEventListener("input", touched);
  comment.addEventListener("input", () => {
    touched();
    filterBank();
  });

  const bank = Array.from(document.querySelectorAll(".bank-item"));
  function filterBank() {
    const words = comment.value.toLowerCase().split(/\s+/).filter(Boolean).slice(-1)[0] || "";
    for (const item of bank) item.hidden = words.length > 2 && !item.textContent.toLowerCase().includes(words);
  }
  for (const item of bank) {
    item.addEventListener("click", () => {
      comment.value = comment.value.trim() ? comment.value.trimEnd() + "\n" + item.textContent : item.textContent;
      touched();
      comment.focus();
    });
  }

  // this student's line in the list beside: the score stored now
  function listed(score) {
    const line = document.querySelector(".students li.current");
    if (!line) return;
    line.classList.remove("todo");
    line.classList.add("graded");
    line.querySelector(".score").textContent = String(score);
  }

  function go(student) {
    if (student) window.location.href = "/q/" + encodeURIComponent(form.dataset.item) + "/" + encodeURIComponent(student);
  }
  function save(andNext) {
    const applied = buttons.filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.dataset.id);
    status.textContent = "saving…";
    const url = "/api/grade/" + encodeURIComponent(form.dataset.item) + "/" + encodeURIComponent(form.dataset.student);
    post(url, {
      applied,
      adjustment: parseFloat(adjustment.value) || 0,
      comment: comment.value,
      version: parseInt(form.dataset.version, 10),
      answer: form.dataset.answer,
    }).then(({ status: code, data }) => {
      if (code === 200) {
        dirty = false;
        form.dataset.version = String(data.grade.version);
        status.textContent = "saved (version " + data.grade.version + ")";
        listed(data.grade.score);
        if (andNext) go(form.dataset.nextTodo || form.dataset.next);
      } else if (code === 409) {
        showConflict(data.current);
      } else {
        status.textContent = "not saved: " + (data.error || code);
      }
    }).catch((e) => { status.textContent = "not saved: " + e; });
  }
  function showConflict(current) {
    // their grade is loaded in place of ours; ours is said, so nothing is lost silently
    const mine = buttons.filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.dataset.id);
    conflict.hidden = false;
    conflict.textContent = (current.by || "Someone") + " saved a grade meanwhile (" + current.score +
      " points, version " + current.version + "); it is shown now. Yours was: " +
      (mine.join(", ") || "no rubric item") + (comment.value ? ', "' + comment.value + '"' : "") +
      ". Change it and save again to replace theirs.";
    for (const b of buttons) b.setAttribute("aria-pressed", current.applied.includes(b.dataset.id) ? "true" : "false");
    adjustment.value = current.adjustment;
    comment.value = current.comment;
    form.dataset.version = String(current.version);
    listed(current.score);
    status.textContent = "not saved: graded meanwhile";
    refresh();
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    save(true);
  });

  const only = document.getElementById("only-todo");
  only.checked = localStorage.getItem("grader-only-todo") === "1";
  function applyFilter() {
    localStorage.setItem("grader-only-todo", only.checked ? "1" : "0");
    for (const li of document.querySelectorAll(".students li.graded:not(.current)")) li.hidden = only.checked;
  }
  only.addEventListener("change", applyFilter);
  applyFilter();

  document.addEventListener("keydown", (e) => {
    const typing = e.target.closest("input, textarea, select");
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && (!typing || form.contains(e.target))) {
      e.preventDefault();
      save(true);
      return;
    }
    if (typing) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const rubric = buttons.find((b) => b.dataset.key === e.key);
    if (rubric) {
      e.preventDefault();
      rubric.click();
    } else if (e.key === "Enter") {
      e.preventDefault();
      save(true);
    } else if (e.key === "j" || e.key === "ArrowDown") {
      e.preventDefault();
      go(form.dataset.next);
    } else if (e.key === "k" || e.key === "ArrowUp") {
      e.preventDefault();
      go(form.dataset.previous);
    } else if (e.key === "c") {
      e.preventDefault();
      comment.focus();
    }
  });
  window.addEventListener("beforeunload", (e) => {
    if (dirty) e.preventDefault();
  });

  // across the reload after a rubric edit: what it said, and this grade if not saved yet
  const KEPT = "grader-kept";
  function keep(said) {
    const unsaved = dirty ? {
      item: form.dataset.item,
      student: form.dataset.student,
      version: form.dataset.version,
      applied: buttons.filter((b) => b.getAttribute("aria-pressed") === "true").map((b) => b.dataset.id),
      adjustment: adjustment.value,
      comment: comment.value,
    } : null;
    sessionStorage.setItem(KEPT, JSON.stringify({ said, unsaved }));
  }
  function restore() {
    const raw = sessionStorage.getItem(KEPT);
    sessionStorage.removeItem(KEPT);
    if (!raw) return;
    const { said, unsaved } = JSON.parse(raw);
    const out = document.getElementById("rubric-status");
    out.textContent = said;
    out.closest("details").open = true;
    const same = unsaved && unsaved.item === form.dataset.item && unsaved.student === form.dataset.student;
    if (!same) return;
    if (unsaved.version !== form.dataset.version) {
      out.textContent = said + ". Your grade in progress was dropped: it was saved meanwhile.";
      return;
    }
    for (const b of buttons) b.setAttribute("aria-pressed", unsaved.applied.includes(b.dataset.id) ? "true" : "false");
    adjustment.value = unsaved.adjustment;
    comment.value = unsaved.comment;
    touched();
  }
  restore();

  for (const edit of document.querySelectorAll(".rubric-edit")) {
    edit.addEventListener("submit", (e) => {
      e.preventDefault();
      const data = new FormData(edit);
      post("/api/rubric/" + encodeURIComponent(form.dataset.item), {
        id: edit.dataset.id || null,
        title: data.get("title"),
        points: parseFloat(data.get("points")),
        comment: data.get("comment"),
      }).then(({ status: code, data: reply }) => {
        const out = document.getElementById("rubric-status");
        if (code === 200) {
          const said = "saved " + reply.item.title + " (" + reply.item.points + " points); " +
            reply.rescored + " student(s) rescored";
          keep(said);
          dirty = false;
          window.location.reload();
        } else {
          out.textContent = "not saved: " + (reply.error || code);
        }
      });
    });
  }
})();
