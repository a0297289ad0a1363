from service.core.policy import decide, default_policy, effective_policy, validate_overrides

LABELS = ("toxicity", "spam")
TH = {"toxicity": {"recall_90": 0.3, "precision_90": 0.8}, "spam": {"recall_90": 0.4, "precision_90": 0.9}}


def test_defaults_come_from_model_thresholds():
    p = default_policy(LABELS, TH)
    assert p.approve_below == {"toxicity": 0.3, "spam": 0.4}
    assert p.reject_above == {"toxicity": None, "spam": None}


def test_sub_labels_hold_only_when_confident():
    th = {**TH, "threat": {"recall_90": 0.002, "precision_90": 0.83}, "off_topic": {"recall_90": 0.4, "precision_90": 0.85}}
    p = default_policy(("toxicity", "spam", "threat", "off_topic"), th)
    assert p.approve_below["threat"] == 0.83 and p.approve_below["off_topic"] == 0.85
    assert decide({"toxicity": 0.1, "spam": 0.0, "threat": 0.05, "off_topic": 0.5}, p)[0] == "approved"


def test_decide_approves_holds_rejects():
    p = effective_policy(LABELS, TH, {"reject_above": {"spam": 0.95}})
    assert decide({"toxicity": 0.1, "spam": 0.1}, p) == ("approved", [])
    status, reasons = decide({"toxicity": 0.5, "spam": 0.1}, p)
    assert status == "pending" and reasons[0]["label"] == "toxicity" and reasons[0]["threshold"] == 0.3
    status, reasons = decide({"toxicity": 0.5, "spam": 0.99}, p)
    assert status == "rejected" and reasons[0]["label"] == "spam" and reasons[0]["kind"] == "reject_above"


def test_override_validation():
    clean, errors = validate_overrides(LABELS, {"approve_below": {"toxicity": 0.2, "nope": 0.1}, "reject_above": {"spam": 2}})
    assert clean["approve_below"] == {"toxicity": 0.2}
    assert set(errors) == {"approve_below.nope", "reject_above.spam"}
