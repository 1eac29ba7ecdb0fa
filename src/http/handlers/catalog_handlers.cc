// Voice profile and BGM track endpoints, one template for both catalogs.
#include "http/handlers/catalog_handlers.h"

#include <cstdlib>

#include "http/owner.h"

namespace vmsg::http {
namespace {

// What differs between the two catalogs' routes.
struct RouteNames {
  std::string base;        // "/api/voice-clone/profiles"
  std::string param;       // "profile_id"
  std::string tag;         // OpenAPI tag
  std::string type_names;  // "system or custom"
};

template <typename Record>
Response CatalogProblem(const vmsg::Status& status, const Request& request) {
  if (status.code() == StatusCode::kDataLoss) {
    // The file's path and parse error are for operators (/health, logs), not clients.
    return ProblemResponse(503, "catalog_unavailable",
                           "the " + std::string(Record::kNoun) +
                               " catalog is damaged and unavailable until an operator repairs "
                               "or restores it",
                           request.request_id);
  }
  return ProblemFromStatus(status, request.request_id);
}

template <typename Record>
Response ListRecords(meta::Catalog<Record>& catalog, const RouteNames& names,
                     const Request& request) {
  std::optional<typename Record::Type> type;
  if (std::optional<std::string> text = request.QueryParam("type"); text && !text->empty()) {
    type = Record::ParseType(*text);
    if (!type) {
      return ProblemResponse(400, "invalid_type", "type must be " + names.type_names,
                             request.request_id);
    }
  }
  // owner=me: only the caller's own entries (none without a cookie). The only value: owner
  // ids are never compared with anything a client types.
  bool mine_only = false;
  if (std::optional<std::string> owner = request.QueryParam("owner"); owner) {
    if (*owner != kOwnerMe) {
      return ProblemResponse(400, "invalid_owner", "owner must be \"me\"", request.request_id);
    }
    mine_only = true;
  }
  Result<std::vector<Record>> records = catalog.List(type);
  if (!records.ok()) return CatalogProblem<Record>(records.status(), request);
  const std::string caller = mine_only ? OwnerIdFor(request).value_or("") : "";
  vmsg::Json list = vmsg::Json::array();
  for (const Record& r : *records) {
    if (mine_only && !meta::IsOwnedBy(r, caller)) continue;
    list.push_back(r.ToJson());
  }
  return Response::Json(200, {{std::string(Record::kCollection), std::move(list)}});
}

template <typename Record>
Response GetRecord(meta::Catalog<Record>& catalog, const RouteNames& names,
                   const Request& request) {
  Result<Record> record = catalog.Get(request.Param(names.param));
  if (!record.ok()) return CatalogProblem<Record>(record.status(), request);
  return Response::Json(200, record->ToJson());
}

template <typename Record>
Response DeleteRecord(meta::Catalog<Record>& catalog, blob::ObjectStore& objects,
                      const RouteNames& names, const Request& request) {
  const std::string id(request.Param(names.param));
  const std::string caller = OwnerIdFor(request).value_or("");
  Result<meta::DeleteOutcome> outcome = catalog.Delete(
      id, objects, [&caller](const Record& r) { return meta::CheckOwner(r, caller); });
  if (!outcome.ok()) return CatalogProblem<Record>(outcome.status(), request);
  return Response::Json(
      200, {{"id", id}, {"deleted", true}, {"objects_not_deleted", outcome->objects_not_deleted}});
}

template <typename Record>
Response Preview(meta::Catalog<Record>& catalog, blob::ObjectStore& objects,
                 std::chrono::seconds ttl, const RouteNames& names, const Request& request) {
  Result<Record> record = catalog.Get(request.Param(names.param));
  if (!record.ok()) return CatalogProblem<Record>(record.status(), request);
  for (const std::string& key : record->PreviewKeys()) {
    Result<bool> exists = objects.Exists(key);
    if (!exists.ok()) return ProblemFromStatus(exists.status(), request.request_id);
    if (!*exists) continue;
    Result<std::string> url = objects.PresignGet(key, ttl);
    if (!url.ok()) return ProblemFromStatus(url.status(), request.request_id);
    Response r = Response::Empty(302);
    r.headers.Set("Location", *url);
    // The URL expires: never let a cache keep the redirect longer than that.
    r.headers.Set("Cache-Control", "no-store");
    return r;
  }
  return ProblemResponse(
      404, "preview_not_found",
      "the " + std::string(Record::kNoun) + " " + record->id + " has no audio in the object store",
      request.request_id);
}

RouteOptions Options(std::string summary, const RouteNames& names, vmsg::Json responses,
                     std::string description = {}) {
  RouteOptions o;
  o.max_body_bytes = 0;
  o.rate_group = RateGroup::kApi;
  o.doc.summary = std::move(summary);
  o.doc.description = std::move(description);
  o.doc.tags = {names.tag};
  o.doc.responses = std::move(responses);
  return o;
}

template <typename Record>
void AddRoutes(Router& router, meta::Catalog<Record>& catalog, blob::ObjectStore& objects,
               std::chrono::seconds ttl, const RouteNames& names) {
  const std::string noun(Record::kNoun);
  const std::string one = names.base + "/{" + names.param + "}";
  const vmsg::Json bad_id = {{"description", "The id does not match ^[a-z0-9_-]{1,64}$"}};
  const vmsg::Json not_found = {{"description", "No " + noun + " with this id"}};
  const vmsg::Json unavailable = {
      {"description", "The catalog file is damaged (code catalog_unavailable); see /health"}};

  router.Add("GET", names.base,
             Sync([&catalog, names](Request& r) { return ListRecords(catalog, names, r); }),
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
  router.Add("GET", one,
             Sync([&catalog, names](Request& r) { return GetRecord(catalog, names, r); }),
             Options("One " + noun, names,
                     {{"200", {{"description", "The entry"}}},
                      {"400", bad_id},
                      {"404", not_found},
                      {"503", unavailable}}));
  router.Add("DELETE", one, Sync([&catalog, &objects, names](Request& r) {
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
  router.Add("GET", one + "/preview", Sync([&catalog, &objects, ttl, names](Request& r) {
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
HealthChecks::Check CatalogHealth(const meta::Catalog<Record>& catalog,
                                  const std::string& count_field) {
  HealthChecks::Check check;
  Result<meta::CatalogSnapshot<Record>> snapshot = catalog.Snapshot();
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

void AddCatalogRoutes(Router& router, CatalogServices services) {
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

void AddCatalogHealthChecks(HealthChecks& checks, const meta::VoiceCatalog& voices,
                            const meta::BgmCatalog& bgm) {
  checks.Add("voice_profiles", [&voices] { return CatalogHealth(voices, "profile_count"); });
  checks.Add("bgm_tracks", [&bgm] { return CatalogHealth(bgm, "track_count"); });
}

}  // namespace vmsg::http
