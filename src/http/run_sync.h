// Test helper: runs one coroutine to completion on a private io_context.
#pragma once

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

namespace vmsg::http {

template <typename T>
T RunSync(boost::asio::awaitable<T> task) {
  boost::asio::io_context ioc;
  std::optional<T> out;
  boost::asio::co_spawn(
      ioc,
      [&out, &task]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(task)); },
      boost::asio::detached);
  ioc.run();
  return std::move(*out);
}

}  // namespace vmsg::http
