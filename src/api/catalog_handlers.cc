// Voice profile and BGM track endpoints, one template for both catalogs.
#include "api/catalog_handlers.h"

#include <cstdlib>

#include "http/owner.h"

namespace vmsg::api {
namespace {

// What differs between the two catalogs' routes.
struct RouteNames {
  std::string base;        // "/api/voice-clone/profiles"
  std::string param;       // "profile_id"
  std::string tag;         // OpenAPI tag
  std::string type_names;  // "system or custom"
};

template <typename Record>
http::Response CatalogProblem(const vmsg::Status& status, const http::Request& request) {
  if (status.code() == StatusCode::kDataLoss) {
    // The file's path and parse error are for operators (/health, logs), not clients.
    return http::ProblemResponse(
        503, "catalog_unavailable",
        "the " + std::string(Record::kNoun) +
            " catalog is damaged and unavailable until an operator repairs "
            "or restores it",
        request.request_id);
  }
  return http::ProblemFromStatus(status, request.request_id);
}

template <typename Record>
http::Response ListRecords(catalog::Catalog<Record>& catalog, const RouteNames& names,
                           const http::Request& request) {
  std::optional<typename Record::Type> type;
  if (std::optional<std::string> text = request.QueryParam("type"); text && !text->empty()) {
    type = Record::ParseType(*text);
    if (!type) {
      return http::ProblemResponse(400, "invalid_type", "type must be " + names.type_names,
                                   request.request_id);
    }
  }
  // owner=me: only the caller's own entries (none without a cookie). The only value: owner
  // ids are never compared with anything a client types.
  bool mine_only = false;
  if (std::optional<std::string> owner = request.QueryParam("owner"); owner) {
    if (*owner != kOwnerMe) {
      return http::ProblemResponse(400, "invalid_owner", "owner must be \"me\"",
                                   request.request_id);
    }
    mine_only = true;
  }
  Result<std::vector<Record>> records = catalog.List(type);
  if (!records.ok()) return CatalogProblem<Record>(records.status(), request);
  const std::string caller = mine_only ? http::OwnerIdFor(request).value_or("") : "";
  vmsg::Json list = vmsg::Json::array();
  for (const Record& r : *records) {
    if (mine_only && !catalog::IsOwnedBy(r, caller)) continue;
    list.push_back(r.ToJson());
  }
  return http::Response::Json(200, {{std::string(Record::kCollection), std::move(list)}});
}

template <typename Record>
http::Response GetRecord(catalog::Catalog<Record>& catalog, const RouteNames& names,
                         const http::Request& request) {
  Result<Record> record = catalog.Get(request.Param(names.param));
  if (!record.ok()) return CatalogProblem<Record>(record.status(), request);
  return http::Response::Json(200, record->ToJson());
}

template <typename Record>
http::Response DeleteRecord(catalog::Catalog<Record>& catalog, objects::ObjectStore& objects,
                            const RouteNames& names, const http::Request& request) {
  const std::string id(request.Param(names.param));
  const std::string caller = http::OwnerIdFor(request).value_or("");
  Result<catalog::DeleteOutcome> outcome = catalog.Delete(
      id, objects, [&caller](const Record& r) { return catalog::CheckOwner(r, caller); });
  if (!outcome.ok()) return CatalogProblem<Record>(outcome.status(), request);
  return http::Response::Json(
      200, {{"id", id}, {"deleted", true}, {"objects_not_deleted", outcome->objects_not_deleted}});
}

template <typename Record>
http::Response Preview(catalog::Catalog<Record>& catalog, objects::ObjectStore& objects,
                       std::chrono::seconds ttl, const RouteNames& names,
                       const http::Request& request) {
  Result<Record> record = catalog.Get(request.Param(names.param));
  if (!record.ok()) return CatalogProblem<Record>(record.status(), request);
  for (const std::string& key : record->PreviewKeys()) {
    Result<bool> exists = objects.Exists(key);
    if (!exists.ok()) return http::ProblemFromStatus(exists.status(), request.request_id);
    if (!*exists) continue;
    Result<std::string> url = objects.PresignGet(key, ttl);
    if (!url.ok()) return http::ProblemFromStatus(url.status(), request.request_id);
    http::Response r = http::Response::Empty(302);
    r.headers.Set("Location", *url);
    // The URL expires: never let a cache keep the redirect longer than that.
    r.headers.Set("Cache-Control", "no-store");
    return r;
  }
  return http::ProblemResponse(
      404, "preview_not_found",
      "the " + std::string(Record::kNoun) + " " + record->id + " has no audio in the object store",
      request.request_id);
}

http::RouteOptions Options(std::string summary, const RouteNames& names, vmsg::Json responses,
                           std::string description = {}) {
  http::RouteOptions o;
  o.max_body_bytes = 0;
  o.rate_group = http::RateGroup::kApi;
  o.doc.summary = std::move(summary);
  o.doc.description = std::move(description);
  o.doc.tags = {names.tag};
  o.doc.responses = std::move(responses);
  return o;
}

template <typename Record>
void AddRoutes(http::Router& router, catalog::Catalog<Record>& catalog,
               objects::ObjectStore& objects, std::chrono::seconds ttl, const RouteNames& names) {
  const std::string noun(Record::kNoun);
  const std::string one = names.base + "/{" + names.param + "}";
  const vmsg::Json bad_id = {{"description", "The id does not match ^[a-z0-9_-]{1,64}$"}};
  const vmsg::Json not_found = {{"description", "No " + noun + " with this id"}};
  const vmsg::Json unavailable = {
      {"description", "The catalog file is damaged (code catalog_unavailable); see /health"}};

  router.Add("GET", names.base, http::Sync([&catalog, names](http::Request& r) {
               return ListRecords(catalog, names, r);
             }),
             Options("List " + noun + "s", names,
                     {{"200",
                       {{"description", "{\"" + std::string(Record::kCollection) +
                                            "\": [...]} in creation order, each entry with "
                                            "exactly the metadata file's fields"}}},
                      {"400",
                       {{"description", "type is not " + names.type_names +
                                            " (invalid_type), or owner is not me "
                                            "(invalid_owner)"}}},
                      {"503", unavailable}},
                     "Optional query parameters: `type` (" + names.type_names +
                         ") keeps only entries of that type; `owner=me` keeps only the "
                         "caller's own (those its vmsg_client cookie made; none without "
                         "one)."));
  router.Add("GET", one, http::Sync([&catalog, names](http::Request& r) {
               return GetRecord(catalog, names, r);
             }),
             Options("One " + noun, names,
                     {{"200", {{"description", "The entry"}}},
                      {"400", bad_id},
                      {"404", not_found},
                      {"503", unavailable}}));
  router.Add("DELETE", one, http::Sync([&catalog, &objects, names](http::Request& r) {
               return DeleteRecord(catalog, objects, names, r);
             }),
             Options("Delete a " + noun + " and its media", names,
                     {{"200",
                       {{"description",
                         "{id, deleted: true, objects_not_deleted: [keys the store could not "
                         "delete]}"}}},
                      {"400", bad_id},
                      {"403",
                       {{"description",
                         "A system entry (code system_entry), or not the caller's own "
                         "(code not_owner: another browser's, one that records no owner, or "
                         "a request without the vmsg_client cookie)"}}},
                      {"404", not_found},
                      {"503", unavailable}},
                     "Only the browser that made an entry (its vmsg_client cookie) may "
                     "delete it."));
  router.Add("GET", one + "/preview",
             http::Sync([&catalog, &objects, ttl, names](http::Request& r) {
               return Preview(catalog, objects, ttl, names, r);
             }),
             Options("Listen to a " + noun, names,
                     {{"302",
                       {{"description", "Location: a presigned URL of the audio, valid " +
                                            std::to_string(ttl.count()) + " s"}}},
                      {"400", bad_id},
                      {"404", {{"description", "No such entry, or its audio is missing"}}},
                      {"503", unavailable}}));
}

template <typename Record>
HealthChecks::Check CatalogHealth(const catalog::Catalog<Record>& catalog,
                                  const std::string& count_field) {
  HealthChecks::Check check;
  Result<catalog::CatalogSnapshot<Record>> snapshot = catalog.Snapshot();
  check.healthy = snapshot.ok();
  if (snapshot.ok()) {
    check.details[count_field] = snapshot->records.size();
    check.details["last_updated"] = FormatIso8601(snapshot->last_updated);
  } else {
    check.details["error"] = snapshot.status().message();
  }
  return check;
}

}  // namespace

void AddCatalogRoutes(http::Router& router, CatalogServices services) {
  if (!services.voices || !services.bgm || !services.objects) std::abort();  // wiring bug
  AddRoutes(router, *services.voices, *services.objects, services.preview_url_ttl,
            {.base = "/api/voice-clone/profiles",
             .param = "profile_id",
             .tag = "voices",
             .type_names = "system or custom"});
  AddRoutes(router, *services.bgm, *services.objects, services.preview_url_ttl,
            {.base = "/api/bgm/tracks",
             .param = "track_id",
             .tag = "music",
             .type_names = "system or user"});
}

void AddCatalogHealthChecks(HealthChecks& checks, const catalog::VoiceCatalog& voices,
                            const catalog::BgmCatalog& bgm) {
  checks.Add("voice_profiles", [&voices] { return CatalogHealth(voices, "profile_count"); });
  checks.Add("bgm_tracks", [&bgm] { return CatalogHealth(bgm, "track_count"); });
}

}  // namespace vmsg::api
