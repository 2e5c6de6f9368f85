// Reads the mirror with Twilio's own Node SDK instead of Twilio: same calls, same shapes, no rate limit spent.
//
//   MIRROR_URL=http://127.0.0.1:3000 MIRROR_TOKEN=demo-token TWILIO_ACCOUNT_SID=AC… SERVICE_SID=IS… node twilio-sdk.js
const twilio = require('twilio');

async function main() {
  // The account whose services you read, and a read-API token as the password.
  const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.MIRROR_TOKEN);
  client.conversations.baseUrl = `${process.env.MIRROR_URL}/twilio`;
  const service = client.conversations.v1.services(process.env.SERVICE_SID);

  const users = await service.users.list({ limit: 100 });
  const bySid = await service.users(users[0].sid).fetch();
  // The SDK refuses a raw "/" or "?" in a path parameter: URL-encode identities, as Twilio's docs say.
  const byIdentity = await service.users(encodeURIComponent(users[0].identity)).fetch();
  console.log(JSON.stringify({ listed: users.length, bySid: bySid.sid, byIdentity: byIdentity.sid }));
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
