/** The renewal page: what it shows, and the script that does the work (`renewal.client.ts`). */
export const RENEWAL_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>OpenCX token renewal (nestjs-opencx sample)</title>
    <script type="module" src="/renewal/renewal.client.js"></script>
  </head>
  <body data-renewals="0">
    <h1>OpenCX contact token renewal</h1>
    <p>
      The chat widget never renews the token the page gives it, and after a 401 "Invalid token" it does not
      recover. This page renews the token before it expires and after a 401.
    </p>
    <dl>
      <dt>Status</dt>
      <dd id="status">starting</dd>
      <dt>Contact</dt>
      <dd id="contact">-</dd>
      <dt>Token expires</dt>
      <dd id="expires">-</dd>
      <dt>Next renewal</dt>
      <dd id="renews-at">-</dd>
      <dt>Renewals</dt>
      <dd id="renewals">0</dd>
    </dl>
    <button id="simulate-401" type="button">Simulate a 401 "Invalid token" from the widget</button>
    <ul id="log"></ul>
  </body>
</html>
`;
