// The names and shapes the C2PA writer and verifier share (private to src/disclosure): JUMBF
// type UUIDs and labels, the C2PA 'uuid' box around the manifest store, hashed URIs.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "disclosure/cbor.h"
#include "disclosure/jumbf.h"

namespace vmsg::disclosure::c2pa {

// JUMBF type UUIDs: four ASCII characters then C2PA's common suffix.
std::string TypeUuid(std::string_view four_chars_hex);
inline constexpr std::string_view kStoreType = "63327061";       // "c2pa" manifest store
inline constexpr std::string_view kManifestType = "63326D61";    // "c2ma" standard manifest
inline constexpr std::string_view kAssertionsType = "63326173";  // "c2as" assertion store
inline constexpr std::string_view kClaimType = "6332636C";       // "c2cl" claim
inline constexpr std::string_view kSignatureType = "63326373";   // "c2cs" claim signature
inline constexpr std::string_view kCborType = "63626F72";        // "cbor" CBOR assertion

inline constexpr std::string_view kStoreLabel = "c2pa";
inline constexpr std::string_view kAssertionsLabel = "c2pa.assertions";
inline constexpr std::string_view kClaimLabel = "c2pa.claim.v2";
inline constexpr std::string_view kSignatureLabel = "c2pa.signature";
inline constexpr std::string_view kActionsLabel = "c2pa.actions.v2";
inline constexpr std::string_view kIngredientLabel = "c2pa.ingredient.v3";
inline constexpr std::string_view kBmffHashLabel = "c2pa.hash.bmff.v2";
inline constexpr std::string_view kHashAlg = "sha256";
inline constexpr std::string_view kManifestPurpose = "manifest";

// The payload of the C2PA 'uuid' box: version and flags (0), "manifest\0", the 8-byte
// Merkle offset (0: none), then the manifest store.
std::string C2paBox(std::string_view manifest_store);
// The manifest store inside a C2PA box's payload; InvalidArgument "c2pa_invalid" otherwise.
Result<std::string_view> ManifestStoreOf(std::string_view c2pa_box_payload);

// SHA-256 of a JUMBF superbox as hashed URIs use it: its contents, without its own header.
std::string SuperBoxHash(std::string_view superbox);

// "self#jumbf=c2pa.assertions/<label>"
std::string AssertionUri(std::string_view label);

// A CBOR assertion superbox labelled `label` holding `value`.
std::string CborAssertion(std::string_view label, const cbor::Value& value);

}  // namespace vmsg::disclosure::c2pa
