// Drives the LRS with the npm client @xapi/xapi: node xapi_client.cjs ENDPOINT KEY SECRET VERSION
// Prints one JSON object with what each call returned; any failure exits non-zero with the error.
const XAPI = require("@xapi/xapi").default;

async function main() {
  const [endpoint, key, secret, version] = process.argv.slice(2);
  const xapi = new XAPI({ endpoint, auth: XAPI.toBasicAuth(key, secret), version });
  const actor = { objectType: "Agent", name: "Node Learner", mbox: "mailto:node@example.com" };
  const object = { objectType: "Activity", id: "http://example.com/node/lesson",
                   definition: { name: { "en-US": "Node lesson" } } };
  const verb = { id: "http://adlnet.gov/expapi/verbs/experienced", display: { "en-US": "experienced" } };
  const out = {};
  out.sent = (await xapi.sendStatement({ statement: { actor, verb, object } })).data;
  out.batch = (await xapi.sendStatements({ statements: [{ actor, verb, object }, { actor, verb, object }] })).data;
  out.fetched = (await xapi.getStatement({ statementId: out.sent[0] })).data;
  const page = (await xapi.getStatements({ agent: actor, limit: 2 })).data;
  out.pageSize = page.statements.length;
  out.more = page.more;
  out.rest = (await xapi.getMoreStatements({ more: page.more })).data.statements.length;
  out.voided = (await xapi.voidStatement({ actor, statementId: out.batch[0] })).data;
  out.voidedFetched = (await xapi.getVoidedStatement({ voidedStatementId: out.batch[0] })).data.id;
  await xapi.setState({ agent: actor, activityId: object.id, stateId: "bookmark", state: { page: 7 } });
  await xapi.createState({ agent: actor, activityId: object.id, stateId: "bookmark", state: { seen: true } });
  out.state = (await xapi.getState({ agent: actor, activityId: object.id, stateId: "bookmark" })).data;
  await xapi.createActivityProfile({ activityId: object.id, profileId: "p", profile: { a: 1 } });
  out.profiles = (await xapi.getActivityProfiles({ activityId: object.id })).data;
  out.activity = (await xapi.getActivity({ activityId: object.id })).data;
  out.person = (await xapi.getAgent({ agent: actor })).data;
  out.about = (await xapi.getAbout()).data;
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  const response = err.response ? ` HTTP ${err.response.status} ${JSON.stringify(err.response.data)}` : "";
  console.error(`${err.message}${response}`);
  process.exit(1);
});
