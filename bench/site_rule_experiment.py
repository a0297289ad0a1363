import sys, random, tempfile, pathlib, json
sys.path.insert(0, "bench")
import site_bench as sb
from models.registry import load_model
from models.site import roc_auc
from service.core.site_learning import learn_site
m = load_model(sys.argv[1] if len(sys.argv) > 1 else None)
out = []
def run(name, rows, seed, shuffle_labels=False):
    rng = random.Random(seed); rows = list(rows); rng.shuffle(rows)
    if shuffle_labels:
        labs = [r["label"] for r in rows]; rng.shuffle(labs); rows = [dict(r, label=l) for r, l in zip(rows, labs)]
    first, nxt = rows[:600], rows[600:1600]
    with tempfile.TemporaryDirectory() as tmp:
        st = sb.Stack(str(m.path), pathlib.Path(tmp))
        ids = st.add([r["text"] for r in first]); st.score(ids, m); st.decide(ids, [r["label"]=="toxic" for r in first])
        res = learn_site(st.settings, st.site, model=m, promote_mode="force", rescore=False)
        nid = st.add([r["text"] for r in nxt]); st.score(nid, m); sc, _ = st.scores(nid)
    y = [r["label"]=="toxic" for r in nxt]
    g = [o["scores"]["toxicity"] for o in m.score_batch([{"text": r["text"]} for r in nxt])]
    b = res["evaluation"]["labels"]["toxicity"].get("bootstrap") or {}
    rec = dict(name=name, seed=seed, true_delta=round(roc_auc(y, sc)-roc_auc(y, g),4), cand_next=round(roc_auc(y,sc),4),
               glob_next=round(roc_auc(y,g),4), ho_delta=b.get("delta"), lo90=b.get("lo90"), p=b.get("p_better"))
    print(json.dumps(rec), flush=True); out.append(rec)
cy = sb.read_rows("cyberagression_ado_large"); ftr = sb.read_rows("ftr_french_racism")
for seed in range(1, 6):
    run("cyber", cy, seed)
    run("ftr-seen", ftr, seed)
    run("cyber-random", cy, seed, True)
