import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { schemasDir } from '@carelog/codec';
import {
  repoRoot,
  serviceLog,
  startService,
  waitForReady,
  type RunningService,
} from '@carelog/local-infra';
import {
  accessibilityViolations,
  eventually,
  launchTestBrowser,
  nextTestNhsNumber,
  requestJson,
  screenshotTo,
  uniqueName,
  type TestBrowser,
} from '@carelog/testing';

const PRACTICE = 'A81001';
const COUNCIL = '716';
/** Reviewed by the demo ICS's privacy officer (services/record-api/config/privacy-officers.json). */
const ELSEWHERE = 'B82002';
/** Another council, with no relationship to the patient. */
const OTHER_COUNCIL = 'LA0002';

const example = (folder: string, type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(schemasDir, 'examples', folder, `${type}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

const SCREENSHOTS = join(repoRoot, 'docs', 'screenshots');
const hhmm = (at: Date) => at.toISOString().slice(11, 16);

/**
 * The people's web app in real Chromium against the real platform (Kafka, Postgres, the
 * producers, the projection and the record API as processes): each person's main flow, every
 * page checked with axe-core at WCAG 2.2 AA, and for each flow a person without access shown
 * exactly the page a patient who does not exist gives.
 */
describe("the people's web app, in a real browser", () => {
  const log = serviceLog('web-app.e2e');
  const services: RunningService[] = [];
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('web'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-web'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_web'),
  };
  const nhsNumber = nextTestNhsNumber();
  /** Valid, and never written to: the page for it is the "does not exist" page. */
  const nobody = nextTestNhsNumber();
  const gpUser = uniqueName('dr-web');
  const careWorkerUser = uniqueName('cw-web');
  const carerUser = uniqueName('carer-web');
  const glassUser = uniqueName('dr-glass');
  const consultationText = `Consultation only for the practice ${uniqueName('c')}`;
  let api: RunningService;
  let gpRecords: RunningService;
  let socialCare: RunningService;
  let web: RunningService;
  let browser: TestBrowser;
  let flaggedVisit: string;
  let routineVisit: string;
  const visited = new Set<string>();

  const tokens = {
    gp: () => mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: gpUser }),
    careWorker: () =>
      mintLocalToken({ role: 'care-worker', organisation: COUNCIL, userId: careWorkerUser }),
    practiceSystem: () =>
      mintLocalSystemToken({ organisation: PRACTICE, entryTypes: ['RegistrationStarted'] }),
    councilSystem: () =>
      mintLocalSystemToken({ organisation: COUNCIL, entryTypes: ['CaseOpened'] }),
  };

  const post = async (
    service: RunningService,
    token: string,
    body: Record<string, unknown>,
  ): Promise<string> => {
    const key = uniqueName('entry');
    return eventually(async () => {
      const response = await requestJson<{ eventId: string }>(`${service.baseUrl}/v1/entries`, {
        method: 'POST',
        token,
        headers: { 'Idempotency-Key': key },
        body: { ...body, patient: { nhsNumber } },
      });
      expect(response.status).toBe(202);
      return response.body.eventId;
    });
  };

  /** Every page a test visits: no axe-core violation at WCAG 2.2 AA; a screenshot if named. */
  const check = async (page: Page, screenshot?: string) => {
    const violations = await accessibilityViolations(page);
    expect({ page: new URL(page.url()).pathname, violations }).toEqual({
      page: new URL(page.url()).pathname,
      violations: [],
    });
    visited.add(new URL(page.url()).pathname);
    if (screenshot) await screenshotTo(page, join(SCREENSHOTS, `${screenshot}.png`));
  };

  const signIn = async (
    person: { role: string; organisation?: string; userId: string; nhsNumber?: string },
    viewport?: { width: number; height: number },
  ): Promise<Page> => {
    const page = await browser.newPage(viewport ? { viewport } : {});
    await page.goto(`${web.baseUrl}/sign-in`);
    await check(page, person.role === 'gp' && !viewport ? 'sign-in' : undefined);
    await page.check('input[name="identity"][value="custom"]');
    await page.selectOption('#role', person.role);
    await page.fill('#organisation', person.organisation ?? '');
    await page.fill('#userId', person.userId);
    await page.fill('#nhsNumber', person.nhsNumber ?? '');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign in")')]);
    return page;
  };

  /** Staff: the NHS number goes in a form; the answer is the journal or "No record found". */
  const openRecord = async (page: Page, patient: string) => {
    await page.goto(`${web.baseUrl}/patients`);
    await check(page);
    await page.fill('#nhsNumber', patient);
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.click('button:has-text("Open record")'),
    ]);
    expect(page.url()).toBe(`${web.baseUrl}/journal`);
    return { status: response?.status(), html: await page.content() };
  };

  /** The page for a record the person may not see is the page for one that does not exist. */
  const expectSameAsNobody = (
    denied: { status: number | undefined; html: string },
    absent: { status: number | undefined; html: string },
  ) => {
    expect(denied.status).toBe(404);
    expect(absent.status).toBe(404);
    expect(denied.html).toContain('No record found');
    expect(denied.html).toBe(absent.html);
    expect(denied.html).not.toContain(nhsNumber);
  };

  beforeAll(async () => {
    const projection = startService({ name: 'projection', port: 5610, env, onOutput: log });
    gpRecords = startService({ name: 'gp-records', port: 5601, env, onOutput: log });
    socialCare = startService({ name: 'social-care', port: 5602, env, onOutput: log });
    api = startService({ name: 'record-api', port: 5600, env, onOutput: log });
    const notifications = startService({ name: 'notifications', port: 5605, env, onOutput: log });
    services.push(projection, gpRecords, socialCare, api, notifications);
    web = startService({
      name: 'web',
      port: 5620,
      env: {
        ...env,
        CARELOG_WEB_RECORD_API_URL: api.baseUrl,
        CARELOG_WEB_GP_RECORDS_URL: gpRecords.baseUrl,
        CARELOG_WEB_SOCIAL_CARE_URL: socialCare.baseUrl,
        CARELOG_WEB_NOTIFICATIONS_URL: notifications.baseUrl,
      },
      onOutput: log,
    });
    services.push(web);
    const [launched] = await Promise.all([
      launchTestBrowser(),
      ...services.map((service) => waitForReady(service)),
    ]);
    browser = launched;

    // The practice registers the patient and the council opens a case, from their own systems.
    await post(gpRecords, await tokens.practiceSystem(), example('gp', 'RegistrationStarted'));
    await post(socialCare, await tokens.councilSystem(), example('social-care', 'CaseOpened'));
    const visit = example('social-care', 'CareVisitRecorded');
    const visitOn = (day: number) => ({
      ...visit,
      occurredAt: `2026-0${day}-12T09:00:00.000Z`,
      payload: {
        ...(visit['payload'] as Record<string, unknown>),
        visitStart: `2026-0${day}-12T08:00:00.000Z`,
        visitEnd: `2026-0${day}-12T08:45:00.000Z`,
      },
    });
    routineVisit = await post(socialCare, await tokens.careWorker(), visitOn(3));
    await post(socialCare, await tokens.careWorker(), visitOn(4));
    await post(socialCare, await tokens.careWorker(), visitOn(5));
    flaggedVisit = await post(socialCare, await tokens.careWorker(), {
      ...visitOn(6),
      payload: {
        ...(visitOn(6)['payload'] as Record<string, unknown>),
        note: 'Confused this morning, did not know the day.',
        concernsRaised: true,
      },
      attention: { role: 'gp', organisation: PRACTICE, reason: 'New confusion since yesterday' },
    });
    await post(gpRecords, await tokens.gp(), {
      ...example('gp', 'ConsultationRecorded'),
      payload: { narrative: consultationText, codedItems: [] },
    });
    // An abnormal result: staff see it at once, the patient once the practice has reviewed it.
    await post(gpRecords, await tokens.gp(), {
      ...example('gp', 'TestResultRecorded'),
      attention: undefined,
    });
    // Medicines are in a carer's view, but outside the scope this patient will approve.
    await post(gpRecords, await tokens.gp(), example('gp', 'MedicationPrescribed'));
    // Until the projection has filed them all, the GP's task is not there to acknowledge.
    await eventually(
      async () => {
        const tasks = await requestJson<{ tasks: Array<{ id: string }> }>(
          `${api.baseUrl}/v1/tasks`,
          { token: await tokens.gp() },
        );
        expect(tasks.body.tasks.map((task) => task.id)).toContain(flaggedVisit);
        const journal = await requestJson<unknown>(
          `${api.baseUrl}/v1/patients/${nhsNumber}/journal`,
          { token: await tokens.gp() },
        );
        expect(JSON.stringify(journal.body)).toContain('Amlodipine');
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(services.map((service) => service.stop()));
  });

  it('a GP reads the journal, expands a digest and acknowledges a task', async () => {
    const page = await signIn({ role: 'gp', organisation: PRACTICE, userId: gpUser });
    const opened = await openRecord(page, nhsNumber);
    expect(opened.status).toBe(200);
    await check(page, 'journal-gp');
    const flagged = page.locator('li.carelog-entry--flagged', { hasText: 'New confusion' });
    await expect(flagged.innerText()).resolves.toContain('Task open for gp at A81001');
    expect(await page.innerText('main')).toContain(consultationText);
    expect(await page.innerText('main')).toContain('Amlodipine 5mg tablets');

    // The care visits are one digest line; opened, it asks for its entries, then shows them.
    const digest = page.locator('li.carelog-entry--digest', { hasText: 'care visits' });
    await digest.locator('summary').click();
    await Promise.all([page.waitForNavigation(), digest.getByText(/Show the \d+ entries/).click()]);
    const expanded = page.locator('li.carelog-entry--digest details[open] li.carelog-entry');
    await expect(expanded.count()).resolves.toBeGreaterThanOrEqual(3);
    await expect(
      page
        .locator(`li.carelog-entry--digest details[open] a[href="/entries/${routineVisit}"]`)
        .count(),
    ).resolves.toBe(1);
    await check(page, 'journal-digest-expanded');

    // An entry with its history.
    await page.goto(`${web.baseUrl}/entries/${flaggedVisit}`);
    expect(await page.innerText('h1')).toBe('Care visit recorded');
    expect(await page.innerText('main')).toContain('History');
    await check(page, 'entry');

    await page.goto(`${web.baseUrl}/tasks`);
    await check(page, 'tasks');
    await page.fill(`#note-${flaggedVisit}`, 'Will visit today');
    await Promise.all([
      page.waitForNavigation(),
      page.click(`form[action="/tasks/${flaggedVisit}/acknowledge"] button`),
    ]);
    expect(page.url()).toBe(`${web.baseUrl}/tasks?done=acknowledged`);
    await check(page);
    await eventually(
      async () => {
        await page.reload();
        expect(await page.innerText('main')).toContain(`Acknowledged by ${gpUser}`);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    // Marked as read, the journal then shows only what is new since.
    await page.goto(`${web.baseUrl}/journal`);
    await Promise.all([
      page.waitForNavigation(),
      page.click('button:has-text("I have read this record")'),
    ]);
    expect(page.url()).toBe(`${web.baseUrl}/journal?done=marked`);
    await check(page);
    const later = `Telephone review after the care visit ${uniqueName('t')}`;
    await post(gpRecords, await tokens.gp(), {
      ...example('gp', 'ConsultationRecorded'),
      occurredAt: new Date().toISOString(),
      payload: { narrative: later, codedItems: [] },
    });
    await eventually(
      async () => {
        await page.goto(`${web.baseUrl}/journal?new=1`);
        const fresh = await page.innerText('main');
        expect(fresh).toContain(later);
        expect(fresh).not.toContain(consultationText);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await check(page, 'journal-new-since');

    // Live updates: a visit flagged for the GP arrives on the open page, without a reload.
    const streaming = page.waitForResponse((response) => response.url().endsWith('/events'));
    await page.goto(`${web.baseUrl}/journal`);
    expect((await streaming).status()).toBe(200);
    await post(socialCare, await tokens.careWorker(), {
      ...example('social-care', 'CareVisitRecorded'),
      attention: { role: 'gp', organisation: PRACTICE, reason: 'Fell in the night' },
    });
    const live = page.locator('#live-updates');
    await eventually(
      async () => {
        expect(await live.isVisible()).toBe(true);
        expect(await live.innerText()).toContain('Care visit recorded, flagged for you');
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // Only what happened while the page was open: the visit flagged earlier is not replayed.
    expect(await live.locator('li').count()).toBe(1);
    await check(page, 'journal-live-update');

    // A GP of a practice without a relationship sees what a record that does not exist gives.
    const stranger = await signIn({ role: 'gp', organisation: 'C83003', userId: 'dr-stranger' });
    const denied = await openRecord(stranger, nhsNumber);
    await check(stranger, 'no-record');
    expectSameAsNobody(denied, await openRecord(stranger, nobody));
  });

  it('a care worker records a visit and sees it appear', async () => {
    const page = await signIn({
      role: 'care-worker',
      organisation: COUNCIL,
      userId: careWorkerUser,
    });
    await openRecord(page, nhsNumber);
    await check(page, 'journal-care-worker');
    await page.click('a:has-text("Add to this record")');
    await check(page, 'care-visit');
    const now = new Date();
    const start = new Date(
      Math.max(now.getTime() - 30 * 60_000, Date.parse(now.toISOString().slice(0, 10))),
    );
    const note = `Cheerful, ate well, walked to the garden ${uniqueName('n')}`;
    await page.fill('#visitStart', hhmm(start));
    await page.fill('#visitEnd', hhmm(now));
    await page.check('input[name="tasksCompleted"][value="lunch"]');
    await page.fill('#note', note);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save")')]);
    expect(page.url()).toBe(`${web.baseUrl}/journal?done=contributed`);
    await check(page);
    await eventually(
      async () => {
        await page.reload();
        expect(await page.innerText('main')).toContain(note);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    const stranger = await signIn({
      role: 'care-worker',
      organisation: OTHER_COUNCIL,
      userId: 'cw-other',
    });
    expectSameAsNobody(await openRecord(stranger, nhsNumber), await openRecord(stranger, nobody));
  });

  it('a patient seals an entry, then sees in the access log who looked', async () => {
    const page = await signIn({ role: 'patient', userId: 'patient-web', nhsNumber });
    expect(page.url()).toBe(`${web.baseUrl}/journal`);
    expect(await page.innerText('h1')).toBe('My record');
    await check(page, 'my-record');
    await page.goto(`${web.baseUrl}/entries/${routineVisit}`);
    await check(page);
    await page.selectOption('#sealedFrom', `organisation:${COUNCIL}`);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Seal this entry")')]);
    expect(page.url()).toBe(`${web.baseUrl}/journal?done=sealed`);
    await check(page);

    // Results: the abnormal one waits for the care team, with no name or value.
    await page.goto(`${web.baseUrl}/my/results`);
    await check(page, 'results');
    const results = await page.innerText('main');
    expect(results).toContain('Waiting for your care team');
    expect(results).not.toContain('NT-proBNP');

    // A home reading, then an opt-out.
    await page.goto(`${web.baseUrl}/my/readings`);
    await check(page, 'home-reading');
    await page.fill('#systolic', '152');
    await page.fill('#diastolic', '95');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save reading")')]);
    expect(page.url()).toBe(`${web.baseUrl}/journal?done=reading`);
    await eventually(
      async () => {
        await page.reload();
        expect(await page.innerText('main')).toContain('systolic 152 mm[Hg], diastolic 95 mm[Hg]');
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await page.goto(`${web.baseUrl}/my/sharing`);
    await page.selectOption('#optOutType', 'national-data-opt-out');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Save my choice")')]);
    expect(page.url()).toBe(`${web.baseUrl}/my/sharing?done=opt-out`);
    expect(await page.innerText('main')).toContain('Your choice is recorded.');
    await check(page);

    await page.goto(`${web.baseUrl}/my/access-log`);
    await check(page, 'access-log');
    const log = await page.innerText('main');
    expect(log).toContain(`GP ${gpUser} at ${PRACTICE}`);
    expect(log).toContain('a care relationship');

    // Sealed from the council: its care worker now gets what an entry that does not exist gives.
    const careWorker = await signIn({
      role: 'care-worker',
      organisation: COUNCIL,
      userId: careWorkerUser,
    });
    await openRecord(careWorker, nhsNumber);
    const sealed = await eventually(
      async () => {
        const response = await careWorker.goto(`${web.baseUrl}/entries/${routineVisit}`);
        expect(response?.status()).toBe(404);
        return careWorker.content();
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await check(careWorker);
    const absent = await careWorker.goto(
      `${web.baseUrl}/entries/00000000-0000-4000-8000-000000000000`,
    );
    expect(absent?.status()).toBe(404);
    expect(sealed).toBe(await careWorker.content());
  });

  it('a carer approved with a scope sees only that', async () => {
    const patient = await signIn({ role: 'patient', userId: 'patient-web', nhsNumber });
    await patient.goto(`${web.baseUrl}/my/sharing`);
    await check(patient, 'carers-and-opt-outs');
    await patient.fill('#carerUserId', carerUser);
    await patient.fill('#carerName', 'Sam Carer');
    await patient.fill('#relationshipToPatient', 'son');
    await patient.check('input[name="scope"][value="social-care"]');
    await Promise.all([
      patient.waitForNavigation(),
      patient.click('button:has-text("Approve carer")'),
    ]);
    expect(patient.url()).toBe(`${web.baseUrl}/my/sharing?done=approved`);
    await check(patient);

    const carer = await signIn({ role: 'carer', userId: carerUser, nhsNumber });
    const main = await eventually(
      async () => {
        const response = await carer.goto(`${web.baseUrl}/journal`);
        expect(response?.status()).toBe(200);
        const text = (await carer.innerText('main')) ?? '';
        // The carer's view digests care visits (the concern among them): the approved section.
        expect(text).toMatch(/\d+ care visits/);
        return text;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    await check(carer, 'carer-journal');
    expect(main).not.toContain(consultationText);
    expect(main).not.toContain('Amlodipine');
    expect(main).not.toContain('Registration started');
    const headings = await carer.locator('main h2').allTextContents();
    expect(headings.filter((heading) => heading !== 'Narrative')).toEqual(
      headings.filter((heading) => heading === 'Social care'),
    );

    // A carer nobody approved: the page for a record that does not exist.
    const unapproved = await signIn({ role: 'carer', userId: 'carer-unapproved', nhsNumber });
    const denied = {
      status: (await unapproved.goto(`${web.baseUrl}/journal`))?.status(),
      html: await unapproved.content(),
    };
    const nobodyCarer = await signIn({
      role: 'carer',
      userId: 'carer-unapproved',
      nhsNumber: nobody,
    });
    const absent = {
      status: (await nobodyCarer.goto(`${web.baseUrl}/journal`))?.status(),
      html: await nobodyCarer.content(),
    };
    expectSameAsNobody(denied, absent);
  });

  it('a privacy officer acknowledges a break-glass alert', async () => {
    const gp = await signIn({ role: 'gp', organisation: ELSEWHERE, userId: glassUser });
    const absent = await openRecord(gp, nobody);
    const denied = await openRecord(gp, nhsNumber);
    expectSameAsNobody(denied, absent);
    await gp.click('a:has-text("claim a care relationship or break glass")');
    await check(gp, 'break-glass');
    await gp.fill('#breakGlassReason', 'Unconscious in the emergency department, no history');
    await Promise.all([gp.waitForNavigation(), gp.click('button:has-text("Break glass")')]);
    expect(gp.url()).toBe(`${web.baseUrl}/journal?done=break-glass`);
    expect(await gp.innerText('main')).toContain('New confusion');
    await check(gp);

    const officer = await signIn({
      role: 'privacy-officer',
      organisation: PRACTICE,
      userId: 'po-web',
    });
    expect(officer.url()).toBe(`${web.baseUrl}/privacy/alerts`);
    const card = officer.locator('.nhsuk-card', { hasText: glassUser });
    await expect(card.innerText()).resolves.toContain('Unconscious in the emergency department');
    await check(officer, 'privacy-alerts');
    await card.locator('input[value="appropriate"]').check();
    await Promise.all([
      officer.waitForNavigation(),
      card.locator('button:has-text("Acknowledge alert")').click(),
    ]);
    expect(officer.url()).toBe(`${web.baseUrl}/privacy/alerts?done=acknowledged`);
    await check(officer);
    const reviewed = officer.locator('li', { hasText: glassUser });
    await expect(reviewed.innerText()).resolves.toContain('appropriate');

    // The patient's access log, by NHS number in a form; then what the GP was shown, as at now.
    await officer.goto(`${web.baseUrl}/privacy/access-log`);
    await check(officer);
    await officer.fill('#nhsNumber', nhsNumber);
    await Promise.all([officer.waitForNavigation(), officer.click('main button')]);
    expect(officer.url()).toBe(`${web.baseUrl}/privacy/access-log`);
    expect(await officer.innerText('main')).toContain(
      `break glass: “Unconscious in the emergency department`,
    );
    await check(officer, 'privacy-access-log');
    await officer.goto(`${web.baseUrl}/privacy/reconstruct`);
    await check(officer);
    await officer.fill('#nhsNumber', nhsNumber);
    await officer.fill('#readerUserId', glassUser);
    await officer.selectOption('#readerRole', 'gp');
    await officer.fill('#readerOrganisation', ELSEWHERE);
    await officer.fill('#asAt', new Date().toISOString());
    await officer.fill('#reason', 'Complaint from the patient about this access');
    await Promise.all([officer.waitForNavigation(), officer.click('main button')]);
    const reconstructed = await officer.innerText('main');
    expect(reconstructed).toContain('What the reader was shown');
    expect(reconstructed).toContain('New confusion');
    await check(officer, 'privacy-reconstruct');

    // The patient sees the break glass and its reason.
    const patient = await signIn({ role: 'patient', userId: 'patient-web', nhsNumber });
    await patient.goto(`${web.baseUrl}/my/access-log`);
    expect(await patient.innerText('main')).toContain(
      'break glass: “Unconscious in the emergency department',
    );
    await check(patient);
  });

  it('works on a phone-sized screen', async () => {
    const phone = await signIn(
      { role: 'gp', organisation: PRACTICE, userId: gpUser },
      { width: 390, height: 844 },
    );
    await openRecord(phone, nhsNumber);
    await check(phone, 'journal-phone');
    const fits = await phone.evaluate<boolean>(
      'document.documentElement.scrollWidth <= window.innerWidth',
    );
    expect(fits).toBe(true);
    expect(visited.size).toBeGreaterThanOrEqual(10);
  });
});
