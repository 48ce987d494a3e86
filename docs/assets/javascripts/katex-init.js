// Typeset math with the KaTeX copy served by this site (no CDN). arithmatex wraps math in
// elements of class "arithmatex" using \( \) and \[ \] delimiters. Material's instant
// navigation swaps pages without a reload, so typeset on every document$ emission.
function mlfTypeset() {
  document.querySelectorAll(".arithmatex").forEach(function (el) {
    renderMathInElement(el, {
      delimiters: [
        { left: "\\(", right: "\\)", display: false },
        { left: "\\[", right: "\\]", display: true },
      ],
      throwOnError: false,
    });
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(mlfTypeset);
} else {
  document.addEventListener("DOMContentLoaded", mlfTypeset);
}
