//! What a Lambda invocation asks for: the S3 objects its event names, whatever carried the
//! notification (S3 directly, SNS, SQS with one or many records, SNS inside SQS,
//! EventBridge), and what it names that is not work (the S3 test event, a deletion, a key
//! that is not a load balancer log). Pure: the event's JSON in, the work out.
//!
//! Read with `serde_json::Value` rather than typed envelopes: elbship needs four fields of
//! each shape, and a typed parse would fail a whole batch on a field it never reads.

use serde_json::Value;

use crate::input::discover::is_log_file;
use crate::input::s3::S3Object;

/// Everything one invocation names.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Work {
    /// The event came from SQS: the answer is a partial batch response naming the messages
    /// that failed; otherwise a failure fails the invocation.
    pub sqs: bool,
    pub items: Vec<Item>,
}

/// One unit the answer reports on: an SQS message, or the whole event.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Item {
    /// The SQS `messageId` (what `batchItemFailures` names).
    pub id: Option<String>,
    pub objects: Vec<S3Object>,
    /// What was acknowledged without work, a line each for the log.
    pub skipped: Vec<String>,
    /// The message could not be read: the item fails (and, for SQS, is redelivered and
    /// ends in the redrive queue) rather than being dropped.
    pub error: Option<String>,
}

/// Reads an invocation's event. An event of no known shape is an error: acknowledging it
/// would drop whatever it meant.
pub fn parse(event: &Value) -> Result<Work, String> {
    if let Some(records) = event.get("Records").and_then(Value::as_array) {
        let from_sqs = records
            .first()
            .is_some_and(|r| source(r) == Some("aws:sqs"));
        if from_sqs {
            let items = records.iter().map(sqs_message).collect();
            return Ok(Work { sqs: true, items });
        }
    }
    let mut item = Item::default();
    notification(event, &mut item)?;
    Ok(Work {
        sqs: false,
        items: vec![item],
    })
}

/// `eventSource` (S3, SQS) or `EventSource` (SNS).
fn source(record: &Value) -> Option<&str> {
    record
        .get("eventSource")
        .or_else(|| record.get("EventSource"))
        .and_then(Value::as_str)
}

fn sqs_message(record: &Value) -> Item {
    let mut item = Item {
        id: record
            .get("messageId")
            .and_then(Value::as_str)
            .map(str::to_string),
        ..Item::default()
    };
    let body = record.get("body").and_then(Value::as_str).unwrap_or("");
    let result = match serde_json::from_str::<Value>(body) {
        Ok(inner) => notification(&inner, &mut item),
        Err(e) => Err(format!("the message body is not JSON ({e})")),
    };
    if let Err(e) = result {
        item.error = Some(e);
    }
    item
}

/// An S3 notification (its `Records`), an SNS notification or record around one, an
/// EventBridge "Object Created" event, or the S3 test event: the objects go into `item`.
fn notification(v: &Value, item: &mut Item) -> Result<(), String> {
    // SNS delivered to SQS: the notification itself; or an SNS record of a direct invocation
    if let Some(message) = v
        .get("Type")
        .filter(|t| *t == "Notification")
        .and(v.get("Message"))
    {
        return inner_json(message, item);
    }
    if v.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        let bucket = v.get("Bucket").and_then(Value::as_str).unwrap_or("?");
        item.skipped.push(format!(
            "the S3 test event for bucket {bucket}: nothing to read"
        ));
        return Ok(());
    }
    if v.get("source").and_then(Value::as_str) == Some("aws.s3") {
        return event_bridge(v, item);
    }
    let Some(records) = v.get("Records").and_then(Value::as_array) else {
        return Err(format!(
            "not an S3, SNS, SQS or EventBridge event (keys: {})",
            keys(v)
        ));
    };
    for record in records {
        match source(record) {
            Some("aws:s3") => s3_record(record, item)?,
            Some("aws:sns") => {
                let message = record.get("Sns").and_then(|s| s.get("Message"));
                inner_json(message.unwrap_or(&Value::Null), item)?;
            }
            other => {
                return Err(format!(
                    "a record from {} where S3 or SNS records were expected",
                    other.unwrap_or("an unnamed source")
                ))
            }
        }
    }
    Ok(())
}

/// A notification carried as a JSON string (SNS `Message`).
fn inner_json(message: &Value, item: &mut Item) -> Result<(), String> {
    let text = message
        .as_str()
        .ok_or("an SNS notification without a Message")?;
    let inner: Value = serde_json::from_str(text)
        .map_err(|e| format!("the SNS message is not an S3 notification ({e})"))?;
    notification(&inner, item)
}

fn s3_record(record: &Value, item: &mut Item) -> Result<(), String> {
    let name = record
        .get("eventName")
        .and_then(Value::as_str)
        .unwrap_or("");
    let s3 = record.get("s3").unwrap_or(&Value::Null);
    let bucket = s3
        .pointer("/bucket/name")
        .and_then(Value::as_str)
        .ok_or("an S3 record without s3.bucket.name")?;
    let object = s3.get("object").unwrap_or(&Value::Null);
    let encoded = object
        .get("key")
        .and_then(Value::as_str)
        .ok_or("an S3 record without s3.object.key")?;
    // notification keys are URL-encoded, with a space as `+`
    let key = decode_key(encoded);
    if !name.starts_with("ObjectCreated:") {
        item.skipped.push(format!(
            "s3://{bucket}/{key}: {} is not a new object",
            if name.is_empty() {
                "an unnamed event"
            } else {
                name
            }
        ));
        return Ok(());
    }
    take(item, bucket, key, object.get("size"), object.get("eTag"));
    Ok(())
}

/// EventBridge's S3 events carry the key as it is (not URL-encoded).
fn event_bridge(v: &Value, item: &mut Item) -> Result<(), String> {
    let kind = v.get("detail-type").and_then(Value::as_str).unwrap_or("");
    let detail = v.get("detail").unwrap_or(&Value::Null);
    let bucket = detail
        .pointer("/bucket/name")
        .and_then(Value::as_str)
        .ok_or("an EventBridge S3 event without detail.bucket.name")?;
    let object = detail.get("object").unwrap_or(&Value::Null);
    let key = object
        .get("key")
        .and_then(Value::as_str)
        .ok_or("an EventBridge S3 event without detail.object.key")?;
    if kind != "Object Created" {
        item.skipped
            .push(format!("s3://{bucket}/{key}: {kind:?} is not a new object"));
        return Ok(());
    }
    take(
        item,
        bucket,
        key.to_string(),
        object.get("size"),
        object.get("etag"),
    );
    Ok(())
}

/// Adds the object to read, or a line saying why not.
fn take(item: &mut Item, bucket: &str, key: String, size: Option<&Value>, etag: Option<&Value>) {
    if !is_log_file(std::path::Path::new(&key)) {
        item.skipped.push(format!(
            "s3://{bucket}/{key}: not a load balancer log (*.log, *.log.gz)"
        ));
        return;
    }
    let etag = etag.and_then(Value::as_str).unwrap_or("");
    item.objects.push(S3Object {
        bucket: bucket.to_string(),
        key,
        size: size.and_then(Value::as_u64).unwrap_or(0),
        // quoted, as S3 lists it and as If-Match wants it
        etag: if etag.is_empty() || etag.starts_with('"') {
            etag.to_string()
        } else {
            format!("\"{etag}\"")
        },
    });
}

/// `a+b%20c` → `a b c`.
fn decode_key(key: &str) -> String {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

fn keys(v: &Value) -> String {
    match v.as_object() {
        Some(map) if !map.is_empty() => map.keys().take(8).cloned().collect::<Vec<_>>().join(", "),
        _ => "none".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "AWSLogs/1/elasticloadbalancing/us-east-1/2025/06/01/x.log.gz";

    fn s3_event(key: &str, name: &str) -> Value {
        json!({"Records": [{
            "eventSource": "aws:s3", "eventName": name,
            "s3": {"bucket": {"name": "logs"},
                   "object": {"key": key, "size": 42, "eTag": "abc"}}
        }]})
    }

    fn one(work: &Work) -> &Item {
        assert_eq!(work.items.len(), 1);
        &work.items[0]
    }

    #[test]
    fn a_direct_s3_notification_names_its_object_with_the_key_decoded() {
        let key = "my+logs/a%20b%2Bc.log.gz";
        let work = parse(&s3_event(key, "ObjectCreated:Put")).unwrap();
        assert!(!work.sqs);
        let o = &one(&work).objects[0];
        assert_eq!(
            (o.bucket.as_str(), o.key.as_str()),
            ("logs", "my logs/a b+c.log.gz")
        );
        assert_eq!((o.size, o.etag.as_str()), (42, "\"abc\""));
    }

    #[test]
    fn deletions_test_events_and_other_keys_are_skipped_with_a_reason() {
        let work = parse(&s3_event(KEY, "ObjectRemoved:Delete")).unwrap();
        assert!(one(&work).objects.is_empty());
        assert!(one(&work).skipped[0].contains("ObjectRemoved:Delete is not a new object"));
        let work = parse(&s3_event(
            "AWSLogs/1/ELBAccessLogTestFile",
            "ObjectCreated:Put",
        ));
        assert!(one(&work.unwrap()).skipped[0].contains("not a load balancer log"));
        let test = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "logs"});
        let work = parse(&test).unwrap();
        assert!(one(&work).skipped[0].contains("S3 test event for bucket logs"));
    }

    #[test]
    fn sns_and_sns_in_sqs_and_sqs_batches() {
        let inner = s3_event(KEY, "ObjectCreated:Put").to_string();
        let sns = json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": inner}}]});
        assert_eq!(one(&parse(&sns).unwrap()).objects.len(), 1);

        let notification = json!({"Type": "Notification", "Message": inner}).to_string();
        let sqs = json!({"Records": [
            {"eventSource": "aws:sqs", "messageId": "m1", "body": inner},
            {"eventSource": "aws:sqs", "messageId": "m2", "body": notification},
            {"eventSource": "aws:sqs", "messageId": "m3", "body": "{oops"},
        ]});
        let work = parse(&sqs).unwrap();
        assert!(work.sqs);
        let ids: Vec<_> = work
            .items
            .iter()
            .map(|i| i.id.as_deref().unwrap())
            .collect();
        assert_eq!(ids, ["m1", "m2", "m3"]);
        assert_eq!(work.items[0].objects, work.items[1].objects);
        assert!(work.items[2].error.as_deref().unwrap().contains("not JSON"));
    }

    #[test]
    fn event_bridge_keys_are_taken_as_they_are() {
        let event = json!({"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": "logs"},
                       "object": {"key": "a+b.log", "size": 5, "etag": "e"}}});
        let work = parse(&event).unwrap();
        let o = &one(&work).objects[0];
        assert_eq!((o.key.as_str(), o.size), ("a+b.log", 5));
    }

    #[test]
    fn an_event_of_no_known_shape_is_an_error_naming_its_keys() {
        let e = parse(&json!({"hello": 1})).unwrap_err();
        assert!(e.contains("keys: hello"), "{e}");
        let e = parse(&json!({"Records": [{"eventSource": "aws:dynamodb"}]})).unwrap_err();
        assert!(e.contains("aws:dynamodb"), "{e}");
    }
}
