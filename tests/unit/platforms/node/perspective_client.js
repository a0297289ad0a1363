// Call Colombe's Perspective-compatible API the way a Node tool does: build the client
// from the discovery document with npm `googleapis` (google.discoverAPI), then analyze.
// argv: <discovery URL> <API key>; stdin: the AnalyzeCommentRequest.
// stdout: {"response": <the answer>, "slices": {<ATTR>: [text.slice(begin, end), ...]}}:
// JavaScript strings are UTF-16, so slicing with the span offsets is the real check.
"use strict";
const { google } = require("googleapis");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const [url, key] = process.argv.slice(2);
  const request = JSON.parse(input);
  try {
    const api = await google.discoverAPI(url);
    const res = await api.comments.analyze({ key, requestBody: request });
    const slices = {};
    for (const [name, attr] of Object.entries(res.data.attributeScores || {})) {
      slices[name] = (attr.spanScores || []).map((s) => request.comment.text.slice(s.begin, s.end));
    }
    process.stdout.write(JSON.stringify({ status: res.status, url: res.config.url, response: res.data, slices }));
  } catch (err) {
    process.stdout.write(JSON.stringify({ error: String(err && err.message), status: err && err.code }));
  }
});
