// Celery's protocol-2 envelope: what we write decodes to the same task, Celery's own
// message forms decode, and messages we cannot run are refused with their reason.
#include "state/redis/celery_message.h"

#include <gtest/gtest.h>

#include "base/base64.h"

namespace vmsg::state::celery {
namespace {

using namespace std::chrono_literals;

// An envelope as Celery 5 and kombu write it (values from a message they sent).
Json CeleryEnvelope(const Json& body) {
  return {{"body", Base64Encode(DumpJson(body))},
          {"content-encoding", "utf-8"},
          {"content-type", "application/json"},
          {"headers",
           {{"lang", "py"},
            {"task", "vmsg.generate_video"},
            {"id", "5f0e7c55-1d5b-4a47-9d55-4b7b4cc1a2b0"},
            {"shadow", nullptr},
            {"eta", "2026-12-01T03:00:00.123456+00:00"},
            {"expires", nullptr},
            {"group", nullptr},
            {"group_index", nullptr},
            {"retries", 2},
            {"timelimit", {nullptr, nullptr}},
            {"root_id", "5f0e7c55-1d5b-4a47-9d55-4b7b4cc1a2b0"},
            {"parent_id", nullptr},
            {"argsrepr", "()"},
            {"kwargsrepr", "{'text': 'hi'}"},
            {"origin", "gen42@host"},
            {"ignore_result", false}}},
          {"properties",
           {{"correlation_id", "5f0e7c55-1d5b-4a47-9d55-4b7b4cc1a2b0"},
            {"reply_to", "c2d3"},
            {"delivery_mode", 2},
            {"delivery_info", {{"exchange", ""}, {"routing_key", "celery"}}},
            {"priority", 6},
            {"body_encoding", "base64"},
            {"delivery_tag", "9a6c"}}}};
}

Json Body(const Json& args, const Json& kwargs) {
  return Json::array(
      {args,
       kwargs,
       {{"callbacks", nullptr}, {"errbacks", nullptr}, {"chain", nullptr}, {"chord", nullptr}}});
}

TEST(CeleryMessageTest, OursRoundTrips) {
  TaskMessage m;
  m.id = "0b9c6f4e-2f0e-4a5e-9c1e-7d2b1a3c4d5e";
  m.task = "vmsg.generate_video";
  m.kwargs = {{"text", "お誕生日おめでとう"}, {"person_index", 0}};
  m.priority = 3;
  m.retries = 1;
  m.eta = std::chrono::sys_days(std::chrono::year(2026) / 12 / 1) + 3h + 250ms;
  m.origin = "vmsg@host";
  m.delivery_tag = "tag-1";
  Result<TaskMessage> back = DecodeTaskMessage(EncodeTaskMessage(m));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, m.id);
  EXPECT_EQ(back->task, m.task);
  EXPECT_EQ(back->args, Json::array());
  EXPECT_EQ(back->kwargs, m.kwargs);
  EXPECT_EQ(back->priority, 3);
  EXPECT_EQ(back->retries, 1);
  EXPECT_EQ(back->eta, m.eta);
  EXPECT_FALSE(back->expires.has_value());
  EXPECT_EQ(back->origin, "vmsg@host");
  EXPECT_EQ(back->delivery_tag, "tag-1");
  EXPECT_EQ(back->exchange, "");
  EXPECT_EQ(back->routing_key, "celery");
}

TEST(CeleryMessageTest, ReadsCelerysOwnEnvelope) {
  Result<TaskMessage> m =
      DecodeTaskMessage(DumpJson(CeleryEnvelope(Body(Json::array(), {{"text", "hi"}}))));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->task, "vmsg.generate_video");
  EXPECT_EQ(m->kwargs, Json({{"text", "hi"}}));
  EXPECT_EQ(m->priority, 6);
  EXPECT_EQ(m->retries, 2);
  ASSERT_TRUE(m->eta.has_value());
  EXPECT_EQ(FormatIso8601Millis(*m->eta), "2026-12-01T03:00:00.123Z");
}

TEST(CeleryMessageTest, RefusesWhatItCannotRun) {
  struct Case {
    const char* name;
    std::string raw;
    const char* reason;
  };
  Json pickled = CeleryEnvelope(Body(Json::array(), Json::object()));
  pickled["content-type"] = "application/x-python-serialize";
  Json protocol1 = CeleryEnvelope(Json::object());
  protocol1["headers"] = Json::object();
  protocol1["body"] = Base64Encode(DumpJson(
      {{"task", "vmsg.generate_video"}, {"id", "x"}, {"args", Json::array()}, {"kwargs", {}}}));
  Json no_id = CeleryEnvelope(Body(Json::array(), Json::object()));
  no_id["headers"].erase("id");
  Json bad_body = CeleryEnvelope(Body(Json::array(), Json::object()));
  bad_body["body"] = "not base64!";
  Json short_body = CeleryEnvelope(Json::array({Json::array(), Json::object()}));
  Json bad_eta = CeleryEnvelope(Body(Json::array(), Json::object()));
  bad_eta["headers"]["eta"] = "tomorrow";
  for (const Case& c : {Case{"not json", "{", "invalid_json"},
                        Case{"pickle", DumpJson(pickled), "unsupported_content"},
                        Case{"protocol 1", DumpJson(protocol1), "celery_protocol_1"},
                        Case{"no id", DumpJson(no_id), "invalid_message"},
                        Case{"bad base64", DumpJson(bad_body), "invalid_message"},
                        Case{"two-part body", DumpJson(short_body), "invalid_message"},
                        Case{"bad eta", DumpJson(bad_eta), "invalid_message"}}) {
    Result<TaskMessage> m = DecodeTaskMessage(c.raw);
    ASSERT_FALSE(m.ok()) << c.name;
    EXPECT_EQ(m.status().reason(), c.reason) << c.name << ": " << m.status();
  }
}

TEST(CeleryMessageTest, KombusListsAndPriorities) {
  EXPECT_EQ(QueueListName("celery", 0), "celery");
  EXPECT_EQ(QueueListName("celery", 2), "celery");
  EXPECT_EQ(QueueListName("celery", 3), std::string("celery\x06\x16") + "3");
  EXPECT_EQ(QueueListName("celery", 5), std::string("celery\x06\x16") + "3");
  EXPECT_EQ(QueueListName("celery", 8), std::string("celery\x06\x16") + "6");
  EXPECT_EQ(QueueListName("celery", 9), std::string("celery\x06\x16") + "9");
  EXPECT_EQ(QueueListName("celery", 42), std::string("celery\x06\x16") + "9");
  EXPECT_EQ(QueueListNames("celery").front(), "celery");
  EXPECT_EQ(QueueListNames("celery").size(), kPrioritySteps.size());
  for (int p = 0; p <= 9; ++p) EXPECT_EQ(FromCeleryPriority(ToCeleryPriority(p)), p);
  EXPECT_EQ(ToCeleryPriority(9), 0);
  EXPECT_EQ(ToCeleryPriority(0), 9);
}

TEST(CeleryMessageTest, ReadsRevokeBroadcasts) {
  // What Celery 5.2 publishes on /0.celery.pidbox for app.control.revoke('abc-123').
  const Json body = {
      {"method", "revoke"},
      {"arguments", {{"task_id", "abc-123"}, {"terminate", false}, {"signal", "SIGTERM"}}},
      {"destination", nullptr},
      {"pattern", nullptr},
      {"matcher", nullptr}};
  Json envelope = {{"body", Base64Encode(DumpJson(body))},
                   {"content-encoding", "utf-8"},
                   {"content-type", "application/json"},
                   {"headers", {{"clock", 1}, {"expires", 1796098077.78}}},
                   {"properties",
                    {{"delivery_mode", 2},
                     {"delivery_info", {{"exchange", "celery.pidbox"}, {"routing_key", ""}}},
                     {"priority", 0},
                     {"body_encoding", "base64"},
                     {"delivery_tag", "f485"}}}};
  Result<ControlCommand> command = DecodeControlCommand(DumpJson(envelope));
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_EQ(command->method, "revoke");
  EXPECT_FALSE(command->addressed);
  EXPECT_EQ(command->expires, 1796098077.78);
  EXPECT_EQ(RevokedTaskIds(*command), std::vector<std::string>{"abc-123"});

  Json several = body;
  several["arguments"]["task_id"] = {"a1", "a2"};
  several["destination"] = {"celery@elsewhere"};
  envelope["body"] = Base64Encode(DumpJson(several));
  command = DecodeControlCommand(DumpJson(envelope));
  ASSERT_TRUE(command.ok()) << command.status();
  EXPECT_TRUE(command->addressed);
  EXPECT_EQ(RevokedTaskIds(*command), (std::vector<std::string>{"a1", "a2"}));

  Json ping = body;
  ping["method"] = "ping";
  envelope["body"] = Base64Encode(DumpJson(ping));
  EXPECT_TRUE(RevokedTaskIds(*DecodeControlCommand(DumpJson(envelope))).empty());
  EXPECT_FALSE(DecodeControlCommand("not json").ok());
  EXPECT_EQ(PidboxChannel(0), "/0.celery.pidbox");
}

}  // namespace
}  // namespace vmsg::state::celery
