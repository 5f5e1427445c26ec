// jknife bench plot: draws the figure, then places the test and model labels that fit at the
// current zoom (no overlaps; a kept label shows "+k" for the neighbours it hides).
(function () {
  var fig = JSON.parse(document.getElementById('jknife-figure').textContent);
  var labels = fig.labels;
  var base = fig.layout.annotations || [];
  var gd = document.getElementById('jknife-plot');

  function pick(items, lo, hi, pxPerUnit, minPx) {
    var kept = [];
    var last = null;
    items.forEach(function (it) {
      if (it.x < lo || it.x > hi) { return; }
      if (last !== null && (it.x - last.x) * pxPerUnit < minPx) { last.hidden += 1; return; }
      last = {x: it.x, text: it.text, hidden: 0};
      kept.push(last);
    });
    return kept;
  }

  function place() {
    var xa = gd._fullLayout.xaxis;
    var lo = xa.range[0], hi = xa.range[1];
    var px = xa._length / Math.max(hi - lo, 1e-9);
    var yref = labels.axis + ' domain';
    var anns = base.slice();
    pick(labels.tests, lo, hi, px, 12).forEach(function (l) {
      anns.push({x: l.x, xref: 'x', y: 0.01, yref: yref, text: l.text + (l.hidden ? ' +' + l.hidden : ''),
        textangle: -90, xanchor: 'left', yanchor: 'bottom', xshift: 2, showarrow: false,
        font: {family: 'monospace', size: 9, color: 'rgba(0, 0, 0, 0.7)'}});
    });
    pick(labels.models, lo, hi, px, 14).forEach(function (l) {
      anns.push({x: l.x, xref: 'x', y: 0.9, yref: yref, text: '<b>' + l.text + '</b>' + (l.hidden ? ' +' + l.hidden : ''),
        textangle: -90, xanchor: 'left', yanchor: 'top', xshift: 2, showarrow: false,
        font: {family: 'monospace', size: 10, color: 'rgba(40, 40, 40, 0.9)'}});
    });
    return Plotly.relayout(gd, {annotations: anns});
  }

  Plotly.newPlot(gd, fig.data, fig.layout, {responsive: true, displaylogo: false, scrollZoom: true}).then(function () {
    gd.on('plotly_relayout', function (ev) {
      if (!ev || Object.keys(ev).some(function (k) { return k.indexOf('annotations') === 0; })) { return; }
      place();
    });
    return place();
  }).then(function () {
    document.body.setAttribute('data-rendered', 'true');
  });
})();
