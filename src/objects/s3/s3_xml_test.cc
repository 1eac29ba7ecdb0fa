// S3's XML documents: the readers on documents shaped as AWS's API reference shows them
// (and as moto sends them where it differs), the writers read back.
#include "objects/s3/s3_xml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/clock.h"

namespace vmsg::objects::s3xml {
namespace {

TEST(S3XmlTest, ErrorDocument) {
  const ErrorInfo e = ParseError(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>NoSuchKey</Code>\n"
      "  <Message>The resource you requested does not exist</Message>\n"
      "  <Resource>/mybucket/myfoto.jpg</Resource>\n  <RequestId>4442587FB7D0A2F9</RequestId>\n"
      "</Error>");
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.message, "The resource you requested does not exist");
  EXPECT_EQ(ParseError("").code, "");
  EXPECT_EQ(ParseError("<html>502 Bad Gateway").code, "");
  EXPECT_EQ(ParseError("<ListBucketResult/>").code, "");
}

TEST(S3XmlTest, ListObjectsV2Page) {
  auto page = ParseListObjectsV2(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
      "  <Name>bucket</Name><Prefix/><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>\n"
      "  <IsTruncated>true</IsTruncated>\n"
      "  <Contents><Key>my-image.jpg</Key>"
      "<LastModified>2009-10-12T17:50:30.000Z</LastModified>"
      "<ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>\n"
      "  <Contents><Key>a&amp;b &lt;c&gt; \xe6\x97\xa5.jpg</Key>"
      "<LastModified>2009-10-12T17:50:31.000Z</LastModified><ETag>\"e-2\"</ETag>"
      "<Size>0</Size></Contents>\n"
      "  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</"
      "NextContinuationToken>\n"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "my-image.jpg");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[0].etag, "\"fba9dede5f27731c9771645a39863328\"");
  EXPECT_EQ(FormatIso8601(page->objects[0].last_modified), "2009-10-12T17:50:30Z");
  EXPECT_EQ(page->objects[1].key, "a&b <c> \xe6\x97\xa5.jpg");
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  auto last = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount>"
      "</ListBucketResult>");
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->objects.empty());
  EXPECT_TRUE(last->next_token.empty());

  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                  "</ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<Error><Code>x</Code></Error>").ok());
}

TEST(S3XmlTest, MultipartDocuments) {
  auto id = ParseUploadId(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>example-bucket</Bucket>"
      "<Key>example-object</Key><UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIH"
      "VwbG9hZA</UploadId></InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
  EXPECT_FALSE(ParseUploadId("<InitiateMultipartUploadResult/>").ok());

  const std::string xml = CompleteMultipartUpload(
      {{1, "\"a54357aff0632cce46d942af68356b38\""}, {2, "\"0c78aef83f66abc1fa1e8477f296d394\""}});
  EXPECT_THAT(xml, ::testing::HasSubstr(
                       "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/"
                       "\"><Part><PartNumber>1</PartNumber><ETag>\"a54357aff0632cce46d942af68356b"
                       "38\"</ETag></Part><Part><PartNumber>2</PartNumber>"));
}

TEST(S3XmlTest, LifecycleRoundTripsTheSpecRules) {
  const std::string xml = LifecycleConfiguration(SpecLifecycleRules());
  EXPECT_THAT(xml, ::testing::HasSubstr("<Filter><Prefix>images/uploads/</Prefix></Filter>"
                                        "<Status>Enabled</Status><Expiration><Days>7</Days>"
                                        "</Expiration>"));
  auto rules = ParseLifecycleConfiguration(xml);
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), SpecLifecycleRules().size());
  for (size_t i = 0; i < rules->size(); ++i) {
    const LifecycleRule& want = SpecLifecycleRules()[i];
    EXPECT_EQ((*rules)[i].id, want.id);
    EXPECT_EQ((*rules)[i].prefix, want.prefix);
    EXPECT_EQ((*rules)[i].expiration_days, want.expiration_days);
    EXPECT_EQ((*rules)[i].transition_days, want.transition_days);
    EXPECT_EQ((*rules)[i].transition_storage_class, want.transition_storage_class);
  }
}

TEST(S3XmlTest, LifecycleReadsTheOlderRulePrefixForm) {
  auto rules = ParseLifecycleConfiguration(
      "<LifecycleConfiguration><Rule><ID>TransitionToColdStorageAfter90Days</ID>"
      "<Prefix>voices/custom/</Prefix><Status>Enabled</Status><Transition><Days>90</Days>"
      "<StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>");
  ASSERT_TRUE(rules.ok()) << rules.status();
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].prefix, "voices/custom/");
  EXPECT_EQ((*rules)[0].transition_days, 90);
  EXPECT_EQ((*rules)[0].transition_storage_class, "GLACIER");
  EXPECT_EQ((*rules)[0].expiration_days, 0);
  EXPECT_FALSE(ParseLifecycleConfiguration("<Error/>").ok());
}

TEST(S3XmlTest, VersioningAndBucketCreation) {
  EXPECT_EQ(ParseVersioningStatus(VersioningEnabled()).value_or(""), "Enabled");
  EXPECT_EQ(ParseVersioningStatus("<VersioningConfiguration "
                                  "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>")
                .value_or("?"),
            "");
  EXPECT_EQ(ParseVersioningStatus("<GetBucketVersioningResponse><Status>Suspended</Status>"
                                  "</GetBucketVersioningResponse>")
                .value_or(""),
            "Suspended");
  EXPECT_EQ(CreateBucketConfiguration("us-east-1"), "");
  EXPECT_THAT(CreateBucketConfiguration("eu-west-1"),
              ::testing::HasSubstr("<LocationConstraint>eu-west-1</LocationConstraint>"));
}

}  // namespace
}  // namespace vmsg::objects::s3xml
