// Runs CPU-heavy or blocking work (image analysis, synthesis) on a separate thread pool, so
// that the server's I/O threads keep serving other connections meanwhile; the awaiting
// handler resumes on its own executor with the result.
//
// `work` is taken by reference and must be a named object in the caller's frame: GCC 12
// destroys a temporary inside a co_await expression twice (a heap corruption seen here when
// the lambda was passed as a temporary).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <type_traits>
#include <utility>

namespace vmsg::http {

template <typename F>
boost::asio::awaitable<std::invoke_result_t<F&>> RunBlocking(boost::asio::thread_pool& pool,
                                                             F work) {
  using T = std::invoke_result_t<F&>;
  // co_spawn's awaitable result must be default-constructible; Result<T> is not.
  std::optional<T> out = co_await boost::asio::co_spawn(
      pool,
      [&work]() -> boost::asio::awaitable<std::optional<T>> { co_return std::optional<T>(work()); },
      boost::asio::use_awaitable);
  co_return std::move(*out);
}

}  // namespace vmsg::http
