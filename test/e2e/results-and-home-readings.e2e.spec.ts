import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { schemasDir } from '@carelog/codec';
import { serviceLog, startService, waitForReady, type RunningService } from '@carelog/local-infra';
import {
  eventually,
  nextTestNhsNumber,
  openEventStream,
  requestJson,
  uniqueName,
  type OpenEventStream,
} from '@carelog/testing';

interface Entry {
  eventId: string;
  type: string;
  recordedAt: string;
  attention: { reason: string | null } | null;
  payload: Record<string, unknown>;
}
interface Task {
  id: string;
  nhsNumber: string;
  entry: { eventId: string; type: string };
  reason: string | null;
  urgency: 'urgent' | 'routine' | null;
  recipient: { role: string; organisation: string };
}

const PRACTICE = 'A81001';
const ELSEWHERE = 'B82002';
const DAY_MS = 24 * 60 * 60 * 1000;

const example = (folder: string, type: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(schemasDir, 'examples', folder, `${type}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

/**
 * Issue #14, items 5 and 6, through real processes: an abnormal result waits for the care team
 * (the patient sees a placeholder, never the value, on any route) until a GP reviews it; home
 * blood-pressure readings open NICE NG136 tasks for the patient's registered practice, authored
 * by the system, and tell the carer the patient approved for readings.
 */
// Waits are on real processes (projection, sweeps, notifications) on a shared, loaded machine.
jest.setTimeout(240_000);

describe('results release and home readings that act', () => {
  const services: RunningService[] = [];
  const streams: OpenEventStream[] = [];
  const log = serviceLog('results-and-home-readings.e2e');
  const env = {
    CARELOG_AUTH_MODE: 'local',
    CARELOG_TOPIC_PREFIX: uniqueName('results'),
    CARELOG_PROJECTION_GROUP: uniqueName('projection-results'),
    CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_results'),
    CARELOG_NOTIFICATIONS_GROUP: uniqueName('notifications-results'),
    CARELOG_NOTIFICATIONS_SCHEMA: uniqueName('notifications_results'),
    CARELOG_TASK_SWEEP_SECONDS: '0.5',
  };
  let api: RunningService;
  let gpRecords: RunningService;
  let notifications: RunningService;
  const nhsNumber = nextTestNhsNumber();
  const elsewherePatient = nextTestNhsNumber();
  const tokens = {
    gp: () => mintLocalToken({ role: 'gp', organisation: PRACTICE, userId: 'dr-results' }),
    otherGp: () => mintLocalToken({ role: 'gp', organisation: ELSEWHERE, userId: 'dr-else' }),
    patient: () => mintLocalToken({ role: 'patient', organisation: 'NHSLOGIN', nhsNumber }),
    readingsCarer: () =>
      mintLocalToken({ role: 'carer', organisation: 'NHSLOGIN', userId: 'carer-readings' }),
    medicinesCarer: () =>
      mintLocalToken({ role: 'carer', organisation: 'NHSLOGIN', userId: 'carer-medicines' }),
    practiceSystem: () =>
      mintLocalSystemToken({ organisation: PRACTICE, entryTypes: ['RegistrationStarted'] }),
    elsewhereSystem: () =>
      mintLocalSystemToken({ organisation: ELSEWHERE, entryTypes: ['RegistrationStarted'] }),
  };

  /** Posts once the relationships it needs have reached the read model. */
  const post = async (url: string, token: string, body: Record<string, unknown>) => {
    const key = uniqueName('entry');
    return eventually(async () => {
      const response = await requestJson<{ eventId: string }>(url, {
        method: 'POST',
        token,
        headers: { 'Idempotency-Key': key },
        body,
      });
      expect(response.status).toBe(202);
      return response.body.eventId;
    });
  };
  const record = (service: RunningService, token: string, body: Record<string, unknown>) =>
    post(`${service.baseUrl}/v1/entries`, token, { ...body, patient: { nhsNumber } });
  const contribute = async (body: Record<string, unknown>) =>
    post(`${api.baseUrl}/v1/patients/${nhsNumber}/contributions`, await tokens.patient(), body);
  const read = async <T>(token: string, path: string) => {
    const response = await requestJson<T>(`${api.baseUrl}/v1/patients/${nhsNumber}${path}`, {
      token,
    });
    expect(response.status).toBe(200);
    return { body: response.body, text: JSON.stringify(response.body) };
  };
  const tasksOf = async (token: string) => {
    const response = await requestJson<{ tasks: Task[] }>(`${api.baseUrl}/v1/tasks?status=all`, {
      token,
    });
    expect(response.status).toBe(200);
    return response.body.tasks.filter((task) => task.entry.type === 'HomeReadingsFlagged');
  };
  const bloodPressure = (systolic: number, diastolic: number, occurredAt: Date) => ({
    type: 'HomeReadingRecorded',
    occurredAt: occurredAt.toISOString(),
    payload: {
      measurement: {
        system: 'http://snomed.info/sct',
        code: '75367002',
        display: 'Blood pressure',
      },
      readings: [
        { name: 'systolic', value: systolic, unit: 'mm[Hg]' },
        { name: 'diastolic', value: diastolic, unit: 'mm[Hg]' },
      ],
      deviceName: 'Omron M3',
    },
  });

  beforeAll(async () => {
    const projection = startService({ name: 'projection', port: 5710, env, onOutput: log });
    services.push(projection);
    await waitForReady(projection);
    gpRecords = startService({ name: 'gp-records', port: 5701, env, onOutput: log });
    api = startService({ name: 'record-api', port: 5700, env, onOutput: log });
    notifications = startService({ name: 'notifications', port: 5705, env, onOutput: log });
    services.push(gpRecords, api, notifications);
    await Promise.all(services.map((service) => waitForReady(service)));
    await record(gpRecords, await tokens.practiceSystem(), example('gp', 'RegistrationStarted'));
    // Another practice has a patient of its own: nothing of this patient's may reach it.
    await post(`${gpRecords.baseUrl}/v1/entries`, await tokens.elsewhereSystem(), {
      ...example('gp', 'RegistrationStarted'),
      patient: { nhsNumber: elsewherePatient },
    });
  }, 240_000);

  afterAll(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await Promise.all(services.map((service) => service.stop()));
  });

  describe('an abnormal result', () => {
    const SECRETS = ['"1240"', 'NT-proBNP', 'refer for echo', 'urgent echo', 'ng/L', '<400'];
    let abnormal: string;
    let normal: string;
    let beforeReview: Date;

    beforeAll(async () => {
      abnormal = await record(gpRecords, await tokens.gp(), example('gp', 'TestResultRecorded'));
      normal = await record(gpRecords, await tokens.gp(), {
        type: 'TestResultRecorded',
        occurredAt: '2026-05-12T09:30:00.000Z',
        payload: {
          test: { system: 'http://snomed.info/sct', code: '1107481000000106', display: 'HbA1c' },
          value: '41',
          unit: 'mmol/mol',
          referenceRange: '20-41',
          interpretation: 'normal',
          narrative: null,
        },
      });
    }, 120_000);

    it('waits for the care team: the patient sees a placeholder and no value on any route', async () => {
      const token = await tokens.patient();
      const page = await eventually(async () => {
        const found = await read<{ entries: Entry[] }>(token, '/record');
        expect(found.body.entries.map((entry) => entry.eventId)).toEqual(
          expect.arrayContaining([abnormal, normal]),
        );
        return found;
      });
      const held = page.body.entries.find((entry) => entry.eventId === abnormal);
      expect(held?.payload).toMatchObject({ status: 'waiting-for-your-care-team' });
      expect(held?.payload['message']).toContain('waiting for your care team');
      expect(held?.attention).toBeNull();
      // The normal result is released at once.
      expect(page.body.entries.find((entry) => entry.eventId === normal)?.payload).toMatchObject({
        value: '41',
      });
      const routes = [
        '/record',
        '/record?type=TestResultRecorded',
        `/record?asAt=${encodeURIComponent(new Date().toISOString())}`,
        '/journal',
        '/journal?since=2000-01-01T00:00:00Z',
        `/journal?expand=${abnormal}`,
        `/entries/${abnormal}`,
        `/entries/${abnormal}/history`,
      ];
      for (const route of routes) {
        const answer = await read<unknown>(token, route);
        for (const secret of SECRETS)
          expect({ route, leaked: answer.text.includes(secret) }).toEqual({ route, leaked: false });
      }
      const journal = await read<{ narrative: Array<Entry & { flagged: string[] }> }>(
        token,
        '/journal',
      );
      const line = journal.body.narrative.find((entry) => entry.eventId === abnormal);
      expect(line?.payload['status']).toBe('waiting-for-your-care-team');
      expect(line?.flagged).toEqual([]);
    });

    it('is shown to staff as before', async () => {
      const entry = await read<Entry>(await tokens.gp(), `/entries/${abnormal}`);
      expect(entry.body.payload).toMatchObject({ value: '1240', interpretation: 'abnormal' });
    });

    it("appears to the patient after the GP's review, and as at before the review it was still waiting", async () => {
      const token = await tokens.patient();
      beforeReview = new Date();
      const review = await record(gpRecords, await tokens.gp(), {
        ...example('gp', 'TestResultReviewed'),
        payload: {
          result: { eventId: abnormal },
          outcome: 'discussed-with-patient',
          commentForPatient: 'We discussed this by phone; an echo has been requested.',
        },
      });
      const entry = await eventually(async () => {
        const found = await read<Entry>(token, `/entries/${abnormal}`);
        expect(found.body.payload).toMatchObject({ value: '1240', interpretation: 'abnormal' });
        return found;
      });
      expect(entry.text).toContain('NT-proBNP');
      const history = await read<{ versions: Entry[] }>(token, `/entries/${abnormal}/history`);
      expect(history.body.versions[0]?.payload['value']).toBe('1240');
      const records = await read<{ entries: Entry[] }>(token, '/record');
      expect(records.body.entries.map((found) => found.eventId)).toContain(review);
      const then = await read<{ entries: Entry[] }>(
        token,
        `/record?asAt=${encodeURIComponent(beforeReview.toISOString())}`,
      );
      expect(then.body.entries.find((found) => found.eventId === abnormal)?.payload).toMatchObject({
        status: 'waiting-for-your-care-team',
      });
      expect(then.text).not.toContain('1240');
    });
  });

  describe('home blood-pressure readings', () => {
    const runReadings: string[] = [];
    let severe: string;
    let readingsCarer: OpenEventStream;
    let medicinesCarer: OpenEventStream;

    beforeAll(async () => {
      const patient = await tokens.patient();
      for (const [carer, scope] of [
        ['carer-readings', ['patient-contributions']],
        ['carer-medicines', ['medicines']],
      ] as const) {
        const approved = await requestJson(
          `${api.baseUrl}/v1/patients/${nhsNumber}/consents/carers/${carer}`,
          {
            method: 'PUT',
            token: patient,
            headers: { 'Idempotency-Key': uniqueName('carer') },
            body: {
              carerName: carer,
              relationshipToPatient: 'daughter',
              scope,
              notifyOnCarePlanChange: true,
            },
          },
        );
        expect(approved.status).toBe(202);
      }
      // Each carer can read the record once the approval is projected; then they listen.
      for (const token of [await tokens.readingsCarer(), await tokens.medicinesCarer()])
        await eventually(async () => {
          const response = await requestJson(`${api.baseUrl}/v1/patients/${nhsNumber}/record`, {
            token,
          });
          expect(response.status).toBe(200);
        });
      const open = async (token: string) => {
        const stream = await openEventStream(`${notifications.baseUrl}/v1/notifications/stream`, {
          Authorization: `Bearer ${token}`,
        });
        expect(stream.status).toBe(200);
        streams.push(stream);
        return stream;
      };
      readingsCarer = await open(await tokens.readingsCarer());
      medicinesCarer = await open(await tokens.medicinesCarer());

      // Three weeks ago, a week of twice-daily readings averaging about 142/88 (oldest first, as taken).
      const start = Date.now() - 21 * DAY_MS;
      for (let day = 0; day < 7; day++)
        for (const [hour, systolic, diastolic] of [
          [8, 140, 87],
          [20, 144, 89],
        ] as const)
          runReadings.push(
            await contribute(
              bloodPressure(systolic, diastolic, new Date(start + day * DAY_MS + hour * 3600_000)),
            ),
          );
      // Today, one very high reading.
      severe = await contribute(bloodPressure(188, 124, new Date(Date.now() - 60_000)));
    }, 240_000);

    it('opens an urgent same-day task for the single very high reading and one routine task for the run, for the registered practice', async () => {
      const gp = await tokens.gp();
      const tasks = await eventually(
        async () => {
          const found = (await tasksOf(gp)).filter((task) => task.nhsNumber === nhsNumber);
          expect(found.map((task) => task.urgency).sort()).toEqual(['routine', 'urgent']);
          return found;
        },
        { timeoutMs: 120_000 },
      );
      for (const task of tasks)
        expect(task.recipient).toEqual({ role: 'gp', organisation: PRACTICE });
      const urgent = tasks.find((task) => task.urgency === 'urgent');
      const routine = tasks.find((task) => task.urgency === 'routine');
      expect(urgent?.reason).toContain('188/124');
      expect(urgent?.reason).toContain('same-day');
      expect(routine?.reason).toContain('NICE NG136');

      const urgentEntry = await read<Entry & { author: { role: string; userId: string } }>(
        gp,
        `/entries/${urgent?.id ?? ''}`,
      );
      expect(urgentEntry.body.author).toMatchObject({
        role: 'system',
        userId: 'carelog-home-reading-rules',
      });
      expect(urgentEntry.body.payload['readings']).toEqual([severe]);
      const routineEntry = await read<Entry>(gp, `/entries/${routine?.id ?? ''}`);
      const linked = routineEntry.body.payload['readings'] as string[];
      // NG136: the first day's readings are discarded, the rest averaged.
      expect(linked.length).toBeGreaterThanOrEqual(6);
      expect(linked).not.toContain(runReadings[0]);
      expect(runReadings).toEqual(expect.arrayContaining(linked));
    });

    it('opens no task for another practice, and none twice while the rules keep sweeping', async () => {
      const gp = await tokens.gp();
      await eventually(async () =>
        expect((await tasksOf(gp)).filter((task) => task.nhsNumber === nhsNumber)).toHaveLength(2),
      );
      const elsewhere = await tasksOf(await tokens.otherGp());
      expect(elsewhere.filter((task) => task.nhsNumber === nhsNumber)).toEqual([]);
      // A later reading in the same run evaluates the same run again: still one task for it.
      const late = await contribute(
        bloodPressure(150, 95, new Date(Date.now() - 21 * DAY_MS + 3 * DAY_MS + 12 * 3600_000)),
      );
      await eventually(async () => {
        const found = await read<{ entries: Entry[] }>(
          await tokens.patient(),
          '/record?type=HomeReadingRecorded',
        );
        expect(found.body.entries.map((entry) => entry.eventId)).toContain(late);
      });
      // A fresh very high reading after it: once its task is open, the sweep has seen the late one too.
      await contribute(bloodPressure(182, 100, new Date()));
      const tasks = await eventually(
        async () => {
          const found = (await tasksOf(gp)).filter((task) => task.nhsNumber === nhsNumber);
          expect(found).toHaveLength(3);
          return found;
        },
        { timeoutMs: 120_000 },
      );
      expect(tasks.filter((task) => task.urgency === 'routine')).toHaveLength(1);
    });

    it('tells the carer approved for readings, and not the carer approved only for medicines', async () => {
      const flagged = () =>
        readingsCarer.events.filter((event) => event.data.includes('HomeReadingsFlagged'));
      await eventually(() => expect(flagged().length).toBeGreaterThanOrEqual(2), {
        timeoutMs: 120_000,
      });
      // A notification names the entry and links to it; the readings stay on the record API.
      for (const event of flagged())
        expect(Object.keys(JSON.parse(event.data) as object)).not.toContain('payload');
      expect(
        medicinesCarer.events.filter((event) => event.data.includes('HomeReadingsFlagged')),
      ).toEqual([]);
    });
  });
});
