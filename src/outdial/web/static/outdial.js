// outdial dashboard: the few behaviours htmx does not cover. No inline scripts (the pages'
// Content-Security-Policy forbids them); everything hooks in from here.
(function () {
  "use strict";

  var uploading = false;

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    return headers ? JSON.parse(headers)["X-CSRF-Token"] : "";
  }

  // CSV upload: XMLHttpRequest reports bytes sent (the progress bar), while the import's own
  // counters are polled from the server (rows read, rows refused) until the answer arrives.
  function upload(form) {
    var input = form.querySelector("input[type=file]");
    if (!input.files.length) { input.focus(); return; }
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var state = form.querySelector("#upload-state");
    var report = document.getElementById("import-report");
    var button = form.querySelector("button[type=submit]");
    var poll = null;
    uploading = true;
    box.hidden = false;
    bar.value = 0;
    button.disabled = true;
    state.textContent = "Uploading " + input.files[0].name + "…";
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRF-Token", csrfToken());
    xhr.upload.addEventListener("progress", function (event) {
      if (!event.lengthComputable) { return; }
      bar.value = Math.round((event.loaded / event.total) * 100);
      bar.textContent = bar.value + "%";
      if (event.loaded >= event.total) {
        bar.removeAttribute("value");
        state.textContent = "Checking and adding the rows…";
      }
    });
    xhr.addEventListener("loadend", function () {
      uploading = false;
      window.clearInterval(poll);
      button.disabled = false;
      bar.value = 100;
      bar.textContent = "100%";
      if (xhr.status === 200) {
        report.innerHTML = xhr.responseText;
        state.textContent = "Done.";
        htmx.process(report);
        htmx.trigger(document.body, "outdial:imported");
      } else {
        state.textContent = "The upload failed (" + (xhr.status || "connection lost") + ").";
      }
      form.reset();
    });
    poll = window.setInterval(function () {
      htmx.ajax("GET", form.dataset.statusUrl, { target: "#import-report", swap: "innerHTML" });
    }, 1000);
    xhr.send(new FormData(form));
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.id === "upload-form") {
      event.preventDefault();
      upload(form);
    }
  });

  // a progress poll answered after the final report must not replace it
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id === "import-report" && !uploading) {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
