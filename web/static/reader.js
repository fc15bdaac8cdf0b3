// The contract reader is paged: an address made for the whole agreement
// (/contracts/ID#601-B) lands on the contents page. When its fragment names
// no element here, ask the server for the page that holds it (?at=).
(function () {
  var id = decodeURIComponent(location.hash.slice(1));
  if (!id || document.getElementById(id)) return;
  var q = new URLSearchParams(location.search);
  q.set('at', id);
  location.replace(location.pathname + '?' + q.toString());
})();
