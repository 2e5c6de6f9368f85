import { ApiHarness, startApi, API_TOKEN } from './support/api-harness';
import { rawRequest, basic } from './support/raw-http';
import { insertService, sid } from './support/seed';
const IS = sid('IS', 1);
test('probe', async () => {
  const api: ApiHarness = await startApi('probe');
  await insertService(api.db.dataSource, IS);
  const h = { authorization: `Bearer ${API_TOKEN}` };
  for (const path of [
    `/v1/services/${IS}/users?attributes=${encodeURIComponent('{"a":"\\ud800"}')}`,
    `/v1/services/${IS}/users?attributes=${encodeURIComponent('{"\\udfff":1}')}`,
    `/v1/services/${IS}/users?q=%ED%A0%80abc`,
    `/v1/services/${IS}/users/%ED%A0%80`,
    `/v1/services/${IS}/users/%ZZ`,
    `/v1/services/${IS}/users?identity=%ZZ`,
    `/v1/services/${IS}/users?updated_since=2025-02-30T00:00:00Z`,
    `/v1/services/${IS}/users?attributes=${encodeURIComponent('{"a":1e400}')}`,
    `/v1/services/${IS}/users?limit=1e309`,
  ]) {
    const r = await rawRequest(api.url, { path, headers: h });
    console.log(path, r.status, r.headers['content-type'], r.text.slice(0, 200));
  }
  for (const [ct, body] of [['application/json', '{'], ['application/json; charset=utf-16', '{}'], ['application/json', 'x'.repeat(200000)]]) {
    const r = await rawRequest(api.url, { method: 'POST', path: `/v1/services/${IS}/sync`, headers: { ...h, 'content-type': ct }, body });
    console.log('POST', ct, r.status, r.text.slice(0, 200));
  }
  const r = await rawRequest(api.url, { method: 'POST', path: `/twilio/v1/Services/${IS}/Users`, headers: { authorization: basic('AC' + '0'.repeat(32), API_TOKEN), 'content-type': 'application/json' }, body: '{' });
  console.log('POST twilio', r.status, r.text.slice(0, 200));
  const d = await rawRequest(api.url, { path: `/docs` });
  console.log('docs', d.status, d.headers['content-type']);
  const j = await rawRequest(api.url, { path: `/docs/openapi.json` });
  console.log('docs json', j.status, j.text.length);
  await api.close();
});
