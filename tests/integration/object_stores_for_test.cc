// The backends the conformance suite runs on. "local": a LocalObjectStore in a temp dir
// behind a loopback vmsg server that serves its /files and /api/uploads URLs. "s3": the S3
// store on a fresh bucket of a private moto_server (MakeS3StoreForTest); a missing
// moto_server fails these tests, it never skips them.
#include <memory>

#include "local_store_server.h"
#include "object_store_conformance.h"
#include "testing/moto_server.h"

namespace vmsg::testing {

std::vector<StoreFactory> TestStores() {
  std::vector<StoreFactory> stores;
  stores.push_back({"local", []() -> Result<StoreUnderTest> {
                      // The clock outlives the server that uses it: both are kept alive together.
                      struct Kept {
                        std::unique_ptr<Clock> clock = NewSystemClock();
                        std::unique_ptr<LocalStoreServer> server;
                      };
                      auto kept = std::make_shared<Kept>();
                      VMSG_ASSIGN_OR_RETURN(kept->server, LocalStoreServer::Start(*kept->clock));
                      StoreUnderTest out;
                      out.store = kept->server->ReleaseStore();
                      out.keep_alive = std::move(kept);
                      return out;
                    }});
  stores.push_back({.name = "s3",
                    .make = []() -> Result<StoreUnderTest> {
                      VMSG_ASSIGN_OR_RETURN(std::unique_ptr<objects::ObjectStore> store,
                                            test::MakeS3StoreForTest());
                      return StoreUnderTest{.store = std::move(store)};
                    },
                    .enforces_signatures = false});
  return stores;
}

}  // namespace vmsg::testing
