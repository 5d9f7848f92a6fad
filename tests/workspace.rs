//! The recruiter workspace in the browser's terms (forms and pages) and the API's:
//! requisitions, candidates, CSV import and export, candidate search with role names
//! expanded, interview scheduling with calendar invitations, and who sees which object.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use attache_web::auth::UserRole;
use attache_web::entities::{applications, candidates, interviews, mail_outbox};
use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use support::{Signed, TestApp, TestUser, urlencode};

/// A recruiter signed in, a hiring manager and an interviewer.
struct World {
    app: TestApp,
    recruiter: Signed,
    manager: TestUser,
    interviewer: TestUser,
}

async fn world() -> World {
    let app = TestApp::new().await.with_user(UserRole::Recruiter).await;
    let recruiter = app.session.clone().unwrap();
    let manager = app.add_user(UserRole::HiringManager).await;
    let interviewer = app.add_user(UserRole::Interviewer).await;
    World {
        app,
        recruiter,
        manager,
        interviewer,
    }
}

impl World {
    /// Act as `user` from now on.
    async fn as_user(&mut self, user: &TestUser) {
        let signed = self.app.sign_in(&user.email, &user.password).await;
        self.app.session = Some(signed);
    }

    fn as_recruiter(&mut self) {
        self.app.session = Some(self.recruiter.clone());
    }

    /// Open a Track Two requisition through the form; its id.
    async fn requisition(&self, title: &str, manager: &TestUser) -> i32 {
        let form = format!(
            "title={}&role=track-two-diplomacy-practitioner&hiring_manager={}&panel={}",
            urlencode(title),
            urlencode(&manager.email),
            urlencode(&self.interviewer.email)
        );
        let r = self.app.post_form("/requisitions", &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let location = r.header("location");
        location
            .trim_start_matches("/requisitions/")
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Upload a CSV file to the import form.
    async fn upload(&self, requisition: i32, file: &[u8]) -> support::TestResponse {
        let s = self.app.session.clone().unwrap();
        let boundary = "AttacheTestBoundary";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n",
                s.csrf
            )
            .as_bytes(),
        );
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.app
            .send(
                Method::POST,
                &format!("/requisitions/{requisition}/import"),
                &[("content-type", &content_type)],
                Some(&s.cookie),
                Some(String::from_utf8(body).unwrap()),
            )
            .await
    }

    /// Upload, check the preview, and confirm.
    async fn import(&self, requisition: i32, file: &str) -> support::TestResponse {
        let preview = self.upload(requisition, file.as_bytes()).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        self.app
            .post_form(
                &format!("/requisitions/{requisition}/import/confirm"),
                &format!("file={}", urlencode(file)),
            )
            .await
    }

    async fn candidate_id(&self, email: &str) -> i32 {
        candidates::Entity::find()
            .filter(candidates::Column::Email.eq(email))
            .one(&self.app.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no candidate {email}"))
            .id
    }
}

const PEOPLE: &str = "name,email,current_title,summary,location\n\
Ana Ruiz,ana.ruiz@example.org,Second Track Diplomacy Lead,Ran unofficial dialogues between scholars,Vienna\n\
Kofi Mensah,KOFI@example.org,Back-channel negotiator,,Accra\n\
Lena Haas,lena@example.org,Consular officer,Visa and passport work,Bern\n";

#[tokio::test]
async fn a_requisition_is_opened_listed_with_stage_counts_closed_and_reopened() {
    let w = world().await;
    let id = w.requisition("Dialogue lead, Caucasus", &w.manager).await;
    let page = w.app.get(&format!("/requisitions/{id}?done=created")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Dialogue lead, Caucasus"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Requisition opened."));
    // A bad form names each field and writes nothing.
    let r = w
        .app
        .post_form("/requisitions", "title=&role=nope&hiring_manager=x")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose one of Attaché"), "{}", r.body);
    assert!(r.body.contains("Enter the hiring manager"), "{}", r.body);

    assert_eq!(w.import(id, PEOPLE).await.status, StatusCode::SEE_OTHER);
    let list = w.app.get("/requisitions").await;
    assert!(
        list.body.contains(r#"data-label="Sourced" class="num">3<"#),
        "{}",
        list.body
    );

    let r = w
        .app
        .post_form(&format!("/requisitions/{id}/status"), "status=closed")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&format!("/requisitions/{id}")).await;
    assert!(page.body.contains("Reopen requisition"));
    // A closed requisition takes no one new.
    let r = w.upload(id, PEOPLE.as_bytes()).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    w.app
        .post_form(&format!("/requisitions/{id}/status"), "status=open")
        .await;
    let page = w.app.get(&format!("/requisitions/{id}")).await;
    assert!(page.body.contains("Close requisition"));
}

#[tokio::test]
async fn a_file_with_a_bad_row_imports_nothing_and_a_fixed_one_imports_once() {
    let w = world().await;
    let id = w.requisition("Dialogue lead", &w.manager).await;
    let bad =
        "\u{FEFF}name,email,current_title\nAna Ruiz,ana.ruiz@example.org,Mediator\n,no-email,\n";
    let r = w.upload(id, bad.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Nothing was imported"), "{}", r.body);
    assert!(r.body.contains("<td>3</td><td>name</td>"), "{}", r.body);
    assert!(r.body.contains("<td>3</td><td>email</td>"), "{}", r.body);
    assert_eq!(
        candidates::Entity::find().count(&w.app.db).await.unwrap(),
        0
    );

    // The preview says what will happen; only the confirmation writes.
    let preview = w.upload(id, PEOPLE.as_bytes()).await;
    assert!(preview.body.contains("Import 3 rows"), "{}", preview.body);
    assert_eq!(
        candidates::Entity::find().count(&w.app.db).await.unwrap(),
        0
    );
    let r = w.import(id, PEOPLE).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        candidates::Entity::find().count(&w.app.db).await.unwrap(),
        3
    );
    // Emails are stored lower-cased, so KOFI@ is kofi@.
    w.candidate_id("kofi@example.org").await;

    // The same file again: no one twice.
    let preview = w.upload(id, PEOPLE.as_bytes()).await;
    assert!(
        preview.body.contains("Already on this requisition"),
        "{}",
        preview.body
    );
    w.import(id, PEOPLE).await;
    assert_eq!(
        candidates::Entity::find().count(&w.app.db).await.unwrap(),
        3
    );
    assert_eq!(
        applications::Entity::find().count(&w.app.db).await.unwrap(),
        3
    );

    // Export gives the import's columns back, and imports again as a no-op.
    let csv = w
        .app
        .get(&format!("/requisitions/{id}/candidates.csv"))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.body
            .starts_with("name,email,current_title,summary,location,source,notes,stage\n")
    );
    assert!(
        csv.body
            .contains("Ana Ruiz,ana.ruiz@example.org,Second Track Diplomacy Lead")
    );
    assert_eq!(w.import(id, &csv.body).await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        applications::Entity::find().count(&w.app.db).await.unwrap(),
        3
    );
    let audit = w.app.audit("candidates.import").await.len();
    assert_eq!(audit, 3);
}

#[tokio::test]
async fn a_duplicate_email_is_a_form_error_never_a_500() {
    let w = world().await;
    let form = "name=Ana+Ruiz&email=ana%40example.org&current_title=Mediator";
    let r = w.app.post_form("/candidates", form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = w
        .app
        .post_form("/candidates", "name=Ana+R&email=ANA%40Example.org")
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("already exists"), "{}", r.body);
    assert!(
        r.body.contains(r#"value="Ana R""#),
        "the form keeps what was typed"
    );
    assert_eq!(
        candidates::Entity::find().count(&w.app.db).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn stage_moves_keep_their_reason_in_the_audit_log() {
    let w = world().await;
    let id = w.requisition("Dialogue lead", &w.manager).await;
    w.import(id, PEOPLE).await;
    let ana = w.candidate_id("ana.ruiz@example.org").await;
    let application = applications::Entity::find()
        .filter(applications::Column::CandidateId.eq(ana))
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    let r = w
        .app
        .post_form(
            &format!("/applications/{}/stage", application.id),
            "stage=screening&reason=Strong+track+record&back=candidate",
        )
        .await;
    assert_eq!(
        r.header("location"),
        format!("/candidates/{ana}?done=moved")
    );
    let page = w.app.get(&format!("/candidates/{ana}")).await;
    assert!(page.body.contains("Screening"), "{}", page.body);
    let event = w.app.audit("application.stage").await.remove(0);
    assert_eq!(event.detail["reason"], "Strong track record");
    let r = w
        .app
        .post_form(
            &format!("/applications/{}/stage", application.id),
            "stage=nope",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_role_synonym_finds_candidates_under_the_roles_other_names() {
    let w = world().await;
    let id = w.requisition("Dialogue lead", &w.manager).await;
    w.import(id, PEOPLE).await;
    let other = w.requisition("Second opening", &w.manager).await;

    let r = w.app.get("/candidates?q=Track+II").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Ana Ruiz"), "{}", r.body);
    assert!(
        r.body.contains("Kofi Mensah"),
        "back-channel is a name for Track Two"
    );
    assert!(!r.body.contains("Lena Haas"));
    assert!(r.body.contains("is a name for"), "the page says why");
    assert!(
        r.body.contains("<mark>Second Track Diplomacy Lead</mark>"),
        "{}",
        r.body
    );

    // The API says what matched, and filters by requisition and stage.
    let token = w.app.token(UserRole::Recruiter).await;
    let r = w
        .app
        .get_with_token("/api/v1/candidates?q=back-channel+negotiator", &token)
        .await;
    let body = r.json();
    assert_eq!(
        body["role"]["slug"], "track-two-diplomacy-practitioner",
        "{body}"
    );
    let names: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Kofi Mensah") && names.contains(&"Ana Ruiz"),
        "{names:?}"
    );
    let kofi = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "Kofi Mensah")
        .unwrap();
    assert_eq!(kofi["matched"][0]["field"], "Title");
    for (query, expected) in [
        ("q=lena", 1),
        ("q=len", 1),
        ("q=vienna", 0),
        ("q=visa+passport", 1),
        ("q=ana.ruiz%40example", 1),
        ("q=%22%29%28*+NEAR+zzz", 0),
        (&format!("requisition={id}"), 3),
        (&format!("requisition={other}"), 0),
        (&format!("requisition={id}&stage=screening"), 0),
        ("stage=sourced", 3),
    ] {
        let r = w
            .app
            .get_with_token(&format!("/api/v1/candidates?{query}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
        assert_eq!(r.json()["total"], expected, "{query}: {}", r.body);
    }
    let r = w
        .app
        .get_with_token("/api/v1/candidates?stage=nope", &token)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn search_pages_through_many_candidates() {
    let w = world().await;
    let id = w.requisition("Dialogue lead", &w.manager).await;
    let mut file = "name,email,current_title\n".to_owned();
    for i in 0..60 {
        file.push_str(&format!("Person {i:02},p{i}@example.org,Mediator\n"));
    }
    w.import(id, &file).await;
    let token = w.app.token(UserRole::Recruiter).await;
    let first = w
        .app
        .get_with_token("/api/v1/candidates?q=person", &token)
        .await
        .json();
    assert_eq!(first["total"], 60);
    assert_eq!(first["pages"], 3);
    assert_eq!(first["results"].as_array().unwrap().len(), 25);
    let last = w
        .app
        .get_with_token("/api/v1/candidates?q=person&page=3", &token)
        .await
        .json();
    assert_eq!(last["results"].as_array().unwrap().len(), 10);
    // A page far beyond the last (schemathesis found this overflowing) is empty.
    for page in ["4", "2147483647"] {
        let r = w
            .app
            .get_with_token(&format!("/api/v1/candidates?q=person&page={page}"), &token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "page {page}: {}", r.body);
        assert_eq!(r.json()["results"], json!([]), "page {page}");
        assert_eq!(
            w.app
                .get(&format!("/candidates?q=person&page={page}"))
                .await
                .status,
            StatusCode::OK
        );
    }
    let page = w.app.get("/candidates?q=person&page=2").await;
    assert!(page.body.contains("page 2 of 3"), "{}", page.body);
    assert!(page.body.contains("rel=\"next\""));
}

/// The iCalendar attachment of an outbox row, parsed.
fn calendar(row: &mail_outbox::Model) -> String {
    let text = String::from_utf8(row.attachment.clone().expect("an .ics attachment")).unwrap();
    let parsed: icalendar::Calendar = text.parse().expect("a valid iCalendar file");
    assert_eq!(parsed.events().count(), 1);
    text
}

fn property<'a>(ics: &'a str, name: &str) -> &'a str {
    ics.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("no {name} in {ics}"))
        .trim()
}

#[tokio::test]
async fn scheduling_emails_the_panel_an_invitation_and_updates_keep_the_uid() {
    let mut w = world().await;
    let id = w.requisition("Dialogue lead", &w.manager).await;
    w.import(id, PEOPLE).await;
    let ana = w.candidate_id("ana.ruiz@example.org").await;
    let application = applications::Entity::find()
        .filter(applications::Column::CandidateId.eq(ana))
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    let form_page = w
        .app
        .get(&format!("/applications/{}/interviews/new", application.id))
        .await;
    assert_eq!(form_page.status, StatusCode::OK);
    // The balanced kit is ticked: two per level.
    assert_eq!(
        form_page.body.matches(r#"name="kit" value="#).count(),
        9,
        "all questions offered"
    );
    assert_eq!(
        form_page.body.matches("\" checked> ").count() - 1,
        6,
        "six ticked (plus the panel member)"
    );

    let token = w.app.token(UserRole::Recruiter).await;
    let r = w
        .app
        .json_with_token(
            Method::POST,
            "/api/v1/interviews",
            &token,
            &json!({
                "application_id": application.id,
                "scheduled_at": "2031-03-04T10:00",
                "time_zone": "Europe/Vienna",
                "duration_minutes": 60,
                "location": "https://meet.example.org/abc",
                "interviewers": [w.interviewer.email],
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let body: Value = r.json();
    assert_eq!(body["questions"].as_array().unwrap().len(), 6);
    assert_eq!(
        body["scheduled_at"], "2031-03-04T09:00:00Z",
        "Vienna is UTC+1 in March"
    );
    let interview = body["id"].as_i64().unwrap();
    // The application moved on.
    let moved = applications::Entity::find_by_id(application.id)
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(moved.stage, "interviewing");

    let mail = w.app.mail_to(&w.interviewer.email).await;
    assert!(
        mail.subject.contains("Interview with Ana Ruiz"),
        "{}",
        mail.subject
    );
    assert!(mail.text_body.contains(&format!("/interviews/{interview}")));
    let ics = calendar(&mail);
    assert_eq!(property(&ics, "METHOD"), "REQUEST");
    assert_eq!(property(&ics, "SEQUENCE"), "0");
    let uid = property(&ics, "UID").to_owned();
    assert!(uid.starts_with(&format!("interview-{interview}@")), "{uid}");
    assert_eq!(property(&ics, "DTSTART"), "20310304T090000Z");

    // The interviewer sees it; the page names the candidate and the questions.
    w.as_user(&w.interviewer.clone()).await;
    let page = w.app.get(&format!("/interviews/{interview}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Interview with Ana Ruiz"));
    assert!(w.app.get("/interviews").await.body.contains("Ana Ruiz"));
    w.as_recruiter();

    // Reschedule: the same UID, SEQUENCE 1.
    let update = format!(
        "starts_at=2031-03-05T11%3A30&time_zone=Europe%2FVienna&duration_minutes=45&location=Room+4&panel={}&kit={}",
        w.app.user.as_ref().unwrap().id,
        body["questions"][0].as_str().unwrap()
    );
    let r = w
        .app
        .post_form(&format!("/interviews/{interview}"), &update)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows = mail_outbox::Entity::find()
        .order_by_asc(mail_outbox::Column::Id)
        .all(&w.app.db)
        .await
        .unwrap();
    let to_interviewer: Vec<_> = rows
        .iter()
        .filter(|m| m.to_address == w.interviewer.email)
        .collect();
    assert_eq!(
        to_interviewer.len(),
        2,
        "the invitation, then a cancellation: taken off the panel"
    );
    let cancel = calendar(to_interviewer[1]);
    assert_eq!(property(&cancel, "METHOD"), "CANCEL");
    assert_eq!(property(&cancel, "UID"), uid);
    assert_eq!(property(&cancel, "SEQUENCE"), "1");
    let recruiter_mail = rows
        .iter()
        .find(|m| m.to_address == w.app.user.as_ref().unwrap().email)
        .unwrap();
    let updated = calendar(recruiter_mail);
    assert!(recruiter_mail.subject.starts_with("Updated:"));
    assert_eq!(property(&updated, "UID"), uid);
    assert_eq!(property(&updated, "SEQUENCE"), "1");
    assert_eq!(property(&updated, "METHOD"), "REQUEST");

    // Cancel: everyone on the panel gets a CANCEL with the same UID.
    let r = w
        .app
        .post_form(&format!("/interviews/{interview}/cancel"), "")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let last = mail_outbox::Entity::find()
        .order_by_desc(mail_outbox::Column::Id)
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    let cancelled = calendar(&last);
    assert_eq!(property(&cancelled, "METHOD"), "CANCEL");
    assert_eq!(property(&cancelled, "SEQUENCE"), "2");
    assert_eq!(property(&cancelled, "UID"), uid);
    let row = interviews::Entity::find_by_id(i32::try_from(interview).unwrap())
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "cancelled");
    // A cancelled interview cannot be rescheduled.
    let r = w
        .app
        .post_form(&format!("/interviews/{interview}"), &update)
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn bad_schedules_name_each_field_and_write_nothing() {
    let w = world().await;
    let id = w.requisition("Dialogue lead", &w.manager).await;
    w.import(id, PEOPLE).await;
    let application = applications::Entity::find()
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    let r = w
        .app
        .post_form(
            &format!("/applications/{}/interviews", application.id),
            "starts_at=2020-01-01T10%3A00&time_zone=Mars%2FOlympus&duration_minutes=5&location=&kit=nope",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Choose a time zone",
        "Enter the length in minutes",
        "Choose at least one interviewer",
        "Choose questions from the",
    ] {
        assert!(r.body.contains(message), "{message}: {}", r.body);
    }
    // A time the clocks skip is refused, not guessed.
    let token = w.app.token(UserRole::Recruiter).await;
    let r = w
        .app
        .json_with_token(
            Method::POST,
            "/api/v1/interviews",
            &token,
            &json!({"application_id": application.id, "scheduled_at": "2031-03-30T02:30", "time_zone": "Europe/Vienna",
                    "duration_minutes": 60, "location": "Room 1", "interviewers": [w.interviewer.email]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.json()["error"]["fields"]["starts_at"]
            .as_str()
            .unwrap()
            .contains("clocks")
    );
    assert_eq!(
        interviews::Entity::find().count(&w.app.db).await.unwrap(),
        0
    );
    assert_eq!(
        mail_outbox::Entity::find().count(&w.app.db).await.unwrap(),
        0
    );
}

/// A user of the right role on someone else's object gets exactly what they would get
/// for an object that does not exist.
#[tokio::test]
async fn not_yours_and_does_not_exist_look_the_same() {
    let mut w = world().await;
    let other_manager = w.app.add_user(UserRole::HiringManager).await;
    let id = w.requisition("Dialogue lead", &w.manager).await;
    w.import(id, PEOPLE).await;
    let ana = w.candidate_id("ana.ruiz@example.org").await;
    let application = applications::Entity::find()
        .filter(applications::Column::CandidateId.eq(ana))
        .one(&w.app.db)
        .await
        .unwrap()
        .unwrap();
    let token = w.app.token(UserRole::Recruiter).await;
    let r = w
        .app
        .json_with_token(
            Method::POST,
            "/api/v1/interviews",
            &token,
            // SPEC's shape: an instant, no time zone (UTC), no place yet.
            &json!({"application_id": application.id, "scheduled_at": "2031-03-04T10:00:00+02:00",
                    "duration_minutes": 60, "interviewers": [w.interviewer.email]}),
        )
        .await;
    assert_eq!(
        r.json()["scheduled_at"],
        "2031-03-04T08:00:00Z",
        "{}",
        r.body
    );
    assert_eq!(r.json()["time_zone"], "UTC");
    let interview = r.json()["id"].as_i64().unwrap();
    let missing = 999_999;

    // The owner sees everything.
    w.as_user(&w.manager.clone()).await;
    for path in [
        format!("/requisitions/{id}"),
        format!("/candidates/{ana}"),
        format!("/interviews/{interview}"),
        format!("/requisitions/{id}/candidates.csv"),
    ] {
        assert_eq!(w.app.get(&path).await.status, StatusCode::OK, "{path}");
    }
    let search = w.app.get("/candidates?q=ana").await;
    assert!(search.body.contains("Ana Ruiz"));

    // Another hiring manager sees none of it, exactly as if it did not exist.
    w.as_user(&other_manager).await;
    for (mine, none) in [
        (
            format!("/requisitions/{id}"),
            format!("/requisitions/{missing}"),
        ),
        (
            format!("/candidates/{ana}"),
            format!("/candidates/{missing}"),
        ),
        (
            format!("/interviews/{interview}"),
            format!("/interviews/{missing}"),
        ),
        (
            format!("/requisitions/{id}/candidates.csv"),
            format!("/requisitions/{missing}/candidates.csv"),
        ),
    ] {
        let theirs = w.app.get(&mine).await;
        let absent = w.app.get(&none).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{mine}");
        assert_eq!(theirs.status, absent.status, "{mine}");
        assert_eq!(
            theirs.body.replace(&mine, ""),
            absent.body.replace(&none, ""),
            "{mine}: the pages differ"
        );
    }
    let search = w.app.get("/candidates?q=ana").await;
    assert!(!search.body.contains("Ana Ruiz"), "{}", search.body);
    let other_token = w.app.token_for(&other_manager).await;
    let r = w
        .app
        .get_with_token("/api/v1/candidates", &other_token)
        .await;
    assert_eq!(r.json()["total"], 0);

    // An interviewer sees the interviews they sit on and nothing else.
    let stranger = w.app.add_user(UserRole::Interviewer).await;
    w.as_user(&stranger).await;
    let theirs = w.app.get(&format!("/interviews/{interview}")).await;
    let absent = w.app.get(&format!("/interviews/{missing}")).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.status, absent.status);
    assert!(!w.app.get("/interviews").await.body.contains("Ana Ruiz"));
    w.as_user(&w.interviewer.clone()).await;
    assert_eq!(
        w.app.get(&format!("/interviews/{interview}")).await.status,
        StatusCode::OK
    );
}

/// Candidates written before their roles were found (or found with other names) are found
/// again when the roles' names change; once current, nothing is redone.
#[tokio::test]
async fn the_roles_candidates_name_are_found_again_when_names_change() {
    use attache_web::services::candidate_roles::reindex_if_stale;
    use sea_orm::{ConnectionTrait, Statement};
    let w = world().await;
    let db = &w.app.db;
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        "INSERT INTO candidates (name, email, current_title, summary, created_at, updated_at) \
         VALUES ('Raw Row', 'raw@example.org', 'Back-channel negotiator', '', '2026-11-21T09:30:00Z', '2026-11-21T09:30:00Z')",
    ))
    .await
    .unwrap();
    let taxonomy = &w.app.state.taxonomy;
    let first = reindex_if_stale(db, taxonomy).await.unwrap();
    assert_eq!(first, Some(1), "never built for these names");
    assert_eq!(reindex_if_stale(db, taxonomy).await.unwrap(), None);
    let token = w.app.token(UserRole::Recruiter).await;
    let r = w
        .app
        .get_with_token("/api/v1/candidates?q=Track+II", &token)
        .await;
    assert_eq!(r.json()["results"][0]["name"], "Raw Row", "{}", r.body);

    // Names change: a role without "back-channel" no longer claims the candidate.
    let mut roles = support::seed_roles();
    for role in &mut roles {
        role.titles.retain(|t| !t.to_lowercase().contains("back"));
        role.synonyms.retain(|t| !t.to_lowercase().contains("back"));
    }
    let changed = attache_core::Taxonomy::new(roles);
    assert_eq!(reindex_if_stale(db, &changed).await.unwrap(), Some(1));
    let mentions = attache_web::entities::candidate_roles::Entity::find()
        .count(db)
        .await
        .unwrap();
    assert_eq!(
        mentions, 1,
        "only \"negotiator\" (a Diplomat title) is left"
    );
}
