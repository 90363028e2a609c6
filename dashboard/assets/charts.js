/* « Télécharger en SVG » under each chart: plotly's own downloadImage on the graph named by the
   button's data-graph (the PNG is the mode bar's camera button). A listener, not an inline
   script, so the page keeps a strict Content-Security-Policy. */
document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('button[data-graph]') : null;
    if (!button || !window.Plotly) { return; }
    var holder = document.getElementById(button.getAttribute('data-graph'));
    var plot = holder ? (holder.classList.contains('js-plotly-plot') ? holder : holder.querySelector('.js-plotly-plot')) : null;
    if (!plot) { return; }
    window.Plotly.downloadImage(plot, {format: 'svg', filename: button.getAttribute('data-filename') || 'graphique'});
});
