// Streams a request's body through a MultipartParser: each piece is fed as it arrives, so a
// form is never buffered whole and a limit (or a handler's refusal) stops reading at once.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/message.h"
#include "http/multipart.h"

namespace vmsg::http {

// OK once the whole form was read and the parser finished; otherwise the first error: the
// body's (payload_too_large, request_timeout, ...) or the parser's and its handler's.
boost::asio::awaitable<Status> ReadMultipartBody(Request& request, MultipartParser& parser);

}  // namespace vmsg::http
