"""The discovery document of Colombe's Perspective-compatible API (Google's discovery
format, `discovery#restDescription`), served at `GET /$discovery/rest?version=v1alpha1`.

Google's client libraries build their client from it: Python's
`googleapiclient.discovery.build_from_document(doc, developerKey=<site API token>)`,
Node's `google.discoverAPI(url)`. `rootUrl` is this server, so their calls come here.
Written for Colombe from the API's public reference: the methods and fields Colombe
implements (see `service.api.perspective`), nothing more.
"""
from __future__ import annotations


def _ref(name: str) -> dict:
    return {"$ref": name}


def _text_entry(description: str) -> dict:
    return {"id": "TextEntry", "type": "object", "description": description, "properties": {
        "text": {"type": "string", "description": "UTF-8 text (at most 20 KB for a comment)."},
        "type": {"type": "string", "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT"],
                 "enumDescriptions": ["Same as PLAIN_TEXT.", "Plain text (the only type Colombe reads)."],
                 "description": "Type of the text."},
    }}


SCHEMAS = {
    "TextEntry": _text_entry("A piece of text: the comment, a context entry, the article or the parent."),
    "ArticleAndParentComment": {"id": "ArticleAndParentComment", "type": "object",
                                "description": "The article (post) and the comment this one replies to; "
                                               "Colombe uses both to score OFF_TOPIC.",
                                "properties": {"article": _ref("TextEntry"), "parentComment": _ref("TextEntry")}},
    "Context": {"id": "Context", "type": "object", "description": "Context of the comment.", "properties": {
        "entries": {"type": "array", "items": _ref("TextEntry"),
                    "description": "Earlier comments of the thread (used as the parent when none is given)."},
        "articleAndParentComment": _ref("ArticleAndParentComment"),
    }},
    "AttributeParameters": {"id": "AttributeParameters", "type": "object", "properties": {
        "scoreType": {"type": "string", "enum": ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY"],
                      "enumDescriptions": ["Same as PROBABILITY.", "A probability in [0, 1]."]},
        "scoreThreshold": {"type": "number", "format": "float",
                           "description": "Leave the attribute out of the answer when it scores below this."},
    }},
    "AnalyzeCommentRequest": {"id": "AnalyzeCommentRequest", "type": "object", "properties": {
        "comment": _ref("TextEntry"),
        "context": _ref("Context"),
        "requestedAttributes": {"type": "object", "additionalProperties": _ref("AttributeParameters"),
                                "description": "TOXICITY, SEVERE_TOXICITY, INSULT, THREAT, IDENTITY_ATTACK, "
                                               "PROFANITY, SPAM, OFF_TOPIC."},
        "spanAnnotations": {"type": "boolean", "description": "Also score each sentence."},
        "languages": {"type": "array", "items": {"type": "string"}, "description": "en or fr; omit to detect."},
        "doNotStore": {"type": "boolean", "description": "true: Colombe keeps nothing. false (default): kept for "
                                                         "learning; queued for moderation only if the site asks."},
        "clientToken": {"type": "string"},
        "sessionId": {"type": "string"},
        "communityId": {"type": "string"},
        "dropUnsupportedAttributes": {"type": "boolean",
                                      "description": "Leave out attributes Colombe does not score instead of "
                                                     "refusing the request."},
    }},
    "Score": {"id": "Score", "type": "object", "properties": {
        "value": {"type": "number", "format": "float"},
        "type": {"type": "string", "enum": ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY"],
                 "enumDescriptions": ["Same as PROBABILITY.", "A probability in [0, 1]."]},
    }},
    "SpanScore": {"id": "SpanScore", "type": "object", "properties": {
        "begin": {"type": "integer", "format": "int32", "description": "Start, in UTF-16 code units."},
        "end": {"type": "integer", "format": "int32", "description": "End (exclusive), in UTF-16 code units."},
        "score": _ref("Score"),
    }},
    "AttributeScores": {"id": "AttributeScores", "type": "object", "properties": {
        "summaryScore": _ref("Score"),
        "spanScores": {"type": "array", "items": _ref("SpanScore")},
    }},
    "AnalyzeCommentResponse": {"id": "AnalyzeCommentResponse", "type": "object", "properties": {
        "attributeScores": {"type": "object", "additionalProperties": _ref("AttributeScores")},
        "languages": {"type": "array", "items": {"type": "string"}},
        "detectedLanguages": {"type": "array", "items": {"type": "string"}},
        "clientToken": {"type": "string"},
    }},
    "SuggestCommentScoreRequest": {"id": "SuggestCommentScoreRequest", "type": "object", "properties": {
        "comment": _ref("TextEntry"),
        "context": _ref("Context"),
        "attributeScores": {"type": "object", "additionalProperties": _ref("AttributeScores"),
                            "description": "Your scores: 0.5 or more marks the comment as that attribute."},
        "languages": {"type": "array", "items": {"type": "string"}},
        "clientToken": {"type": "string"},
        "sessionId": {"type": "string"},
        "communityId": {"type": "string"},
    }},
    "SuggestCommentScoreResponse": {"id": "SuggestCommentScoreResponse", "type": "object", "properties": {
        "detectedLanguages": {"type": "array", "items": {"type": "string"}},
        "clientToken": {"type": "string"},
    }},
}

PARAMETERS = {
    "key": {"type": "string", "location": "query",
            "description": "The site's Colombe API token (also accepted as the X-Goog-Api-Key header)."},
    "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"],
            "enumDescriptions": ["JSON answers."], "description": "Answer format."},
    "prettyPrint": {"type": "boolean", "location": "query", "default": "true",
                    "description": "Ignored: answers are compact JSON."},
    "fields": {"type": "string", "location": "query", "description": "Ignored: answers are whole."},
    "quotaUser": {"type": "string", "location": "query", "description": "Ignored."},
}


def _method(name: str, request: str, response: str, description: str) -> dict:
    return {"id": f"commentanalyzer.comments.{name}", "path": f"v1alpha1/comments:{name}",
            "flatPath": f"v1alpha1/comments:{name}", "httpMethod": "POST", "parameters": {}, "parameterOrder": [],
            "request": _ref(request), "response": _ref(response), "description": description}


def discovery_document(root_url: str) -> dict:
    root = root_url if root_url.endswith("/") else root_url + "/"
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "commentanalyzer:v1alpha1",
        "name": "commentanalyzer",
        "version": "v1alpha1",
        "revision": "20261130",
        "title": "Colombe (Perspective-compatible Comment Analyzer API)",
        "description": "Scores comments for toxicity, its sub-attributes, spam and off-topic content, in "
                       "English and French, with a self-hosted model.",
        "protocol": "rest",
        "rootUrl": root,
        "servicePath": "",
        "baseUrl": root,
        "batchPath": "batch",
        "parameters": PARAMETERS,
        "schemas": SCHEMAS,
        "resources": {"comments": {"methods": {
            "analyze": _method("analyze", "AnalyzeCommentRequest", "AnalyzeCommentResponse",
                               "Scores a comment for the requested attributes."),
            "suggestscore": _method("suggestscore", "SuggestCommentScoreRequest", "SuggestCommentScoreResponse",
                                    "Records your own scores for a comment (a training label)."),
        }}},
    }
