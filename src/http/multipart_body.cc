#include "http/multipart_body.h"

namespace vmsg::http {

boost::asio::awaitable<Status> ReadMultipartBody(Request& request, MultipartParser& parser) {
  std::string chunk;
  for (;;) {
    Result<bool> more = co_await request.body->Read(chunk);
    if (!more.ok()) co_return more.status();
    if (!*more) break;
    if (Status fed = parser.Feed(chunk); !fed.ok()) co_return fed;
  }
  co_return parser.Finish();
}

}  // namespace vmsg::http
