// Validate Colombe's answers to Coral's external moderation phase the way Coral does.
//
// The schema is written here from Coral's documented rules (coralproject/talk,
// server/EXTERNAL_MODERATION_PHASES.md, "External Moderation Response") and the
// validation options of its phase runner (server/.../pipeline/phases/external.ts:
// stripUnknown, presence "optional", abortEarly false; an array's item rule marked
// required means the array must hold at least one such item).
// Input (stdin): a JSON array of {"status": <HTTP status>, "body": <response text>}.
// Output (stdout): a JSON array of {"accepted": bool, "ignored": bool, "value", "errors"}.
"use strict";
const Joi = require("joi");

const FLAG_REASONS = ["COMMENT_DETECTED_TOXIC", "COMMENT_DETECTED_SPAM"];
const STATUSES = ["NONE", "APPROVED", "REJECTED", "PREMOD", "SYSTEM_WITHHELD"];
const TAGS = ["FEATURED", "STAFF"];

const response = Joi.object().keys({
  actions: Joi.array().items(
    Joi.object().keys({
      actionType: Joi.string().valid("FLAG").required(),
      reason: Joi.string().valid(...FLAG_REASONS).required(),
    })
  ),
  tags: Joi.array().items(Joi.string().valid(...TAGS).required()),
  status: Joi.string().valid(...STATUSES),
});

function check({ status, body }) {
  // Coral skips the phase (no opinion) on a non-2xx answer, a 204, an empty body or "{}".
  if (status < 200 || status >= 300) return { accepted: false, ignored: true, errors: [`HTTP ${status}`] };
  if (status === 204 || body === "" || body === "{}") {
    return { accepted: body === "", ignored: true, errors: body === "" ? [] : ["204 with a body"] };
  }
  let parsed;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    return { accepted: false, ignored: true, errors: [`not JSON: ${e.message}`] };
  }
  const { value, error } = response.validate(parsed, {
    stripUnknown: true,
    presence: "optional",
    abortEarly: false,
  });
  if (error) return { accepted: false, ignored: true, errors: error.details.map((d) => d.message) };
  return { accepted: true, ignored: false, value, errors: [] };
}

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify(JSON.parse(input).map(check)));
});
