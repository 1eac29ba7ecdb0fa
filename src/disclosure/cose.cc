// COSE_Sign1 with a detached payload: the Sig_structure of RFC 9052 section 4.4 is
// ["Signature1", protected header bytes, external_aad (empty), payload].
#include "disclosure/cose.h"

namespace vmsg::disclosure {
namespace {

using cbor::Value;

std::string SigStructure(std::string_view protected_bytes, std::string_view payload) {
  return cbor::Encode(
      Value::Array({Value::Text("Signature1"), Value::Bytes(std::string(protected_bytes)),
                    Value::Bytes(""), Value::Bytes(std::string(payload))}));
}

Status Malformed(std::string_view what) {
  return Status::InvalidArgument("COSE_Sign1: " + std::string(what), "c2pa_signature_invalid");
}

Result<std::vector<std::string>> ReadX5Chain(const Value& header) {
  const Value* chain = header.FindInt(kCoseHeaderX5Chain);
  if (chain == nullptr) return Malformed("no x5chain in the protected header");
  std::vector<std::string> out;
  if (chain->is_bytes()) {
    out.push_back(chain->str());
    return out;
  }
  if (!chain->is_array() || chain->items().empty()) return Malformed("x5chain is not a list");
  for (const Value& cert : chain->items()) {
    if (!cert.is_bytes()) return Malformed("x5chain holds a non-byte-string");
    out.push_back(cert.str());
  }
  return out;
}

}  // namespace

Result<std::string> CoseSign1(std::string_view payload, const Signer& signer) {
  std::vector<Value> chain;
  for (const std::string& der : signer.chain_der()) chain.push_back(Value::Bytes(der));
  const std::string protected_bytes = cbor::Encode(Value::Map({
      {Value::Int(kCoseHeaderAlg), Value::Int(kCoseAlgEs256)},
      {Value::Int(kCoseHeaderX5Chain), Value::Array(std::move(chain))},
  }));
  VMSG_ASSIGN_OR_RETURN(std::string signature,
                        signer.SignEs256(SigStructure(protected_bytes, payload)));
  return cbor::Encode(
      Value::Tag(kCoseSign1Tag, Value::Array({Value::Bytes(protected_bytes), Value::Map({}),
                                              Value::Null(), Value::Bytes(std::move(signature))})));
}

Result<CoseSign1Parts> ParseCoseSign1(std::string_view bytes) {
  auto decoded = cbor::Decode(bytes);
  if (!decoded.ok()) return Malformed(decoded.status().message());
  const Value& top = *decoded;
  if (top.kind() != Value::Kind::kTag || top.number() != kCoseSign1Tag)
    return Malformed("not tag 18");
  const Value& array = top.tag_content();
  if (!array.is_array() || array.items().size() != 4) return Malformed("not four items");
  const std::vector<Value>& items = array.items();
  if (!items[0].is_bytes() || !items[1].is_map() || !items[2].is_null() || !items[3].is_bytes()) {
    return Malformed("wrong item types (the payload must be detached)");
  }
  CoseSign1Parts parts;
  parts.protected_bytes = items[0].str();
  parts.signature = items[3].str();
  auto header = cbor::Decode(parts.protected_bytes);
  if (!header.ok() || !header->is_map()) return Malformed("protected header is not a map");
  const Value* alg = header->FindInt(kCoseHeaderAlg);
  if (alg == nullptr || !alg->AsInt(&parts.alg)) return Malformed("no alg in the protected header");
  VMSG_ASSIGN_OR_RETURN(parts.x5chain, ReadX5Chain(*header));
  return parts;
}

Status VerifyCoseSign1(const CoseSign1Parts& parts, std::string_view payload) {
  if (parts.alg != kCoseAlgEs256) return Malformed("algorithm is not ES256");
  return VerifyEs256(parts.x5chain[0], SigStructure(parts.protected_bytes, payload),
                     parts.signature);
}

}  // namespace vmsg::disclosure
