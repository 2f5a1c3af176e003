/**
 * Cron fire times across daylight-saving changes, as facts taken from the published test suites of
 * other schedulers (and a few of Sundial's own cases for zones they do not cover). Each vector:
 * the expression, its time zone, the policy under which Sundial should agree with the peer, the
 * instant the search starts from (exclusive), and the peer's next fires as UTC instants.
 *
 * Peer times written in local time have been converted to UTC by hand, with the offsets of the
 * zone on that date (checked with Intl). A start that a peer treats as inclusive (APScheduler's
 * `start_time`) is written as one second earlier.
 *
 * `expectDifferent` marks a vector where Sundial's documented policy (see `DstPolicy`) gives
 * another answer: `sundial` then holds Sundial's fires, and the test asserts those.
 */
import type { DstPolicy } from '../../src/domain/trigger.ts';

export interface CronDstVector {
  /** Repository, file and test name the facts come from. */
  source: string;
  expr: string;
  tz: string | null;
  dst: DstPolicy;
  /** The search starts strictly after this instant (UTC ISO). */
  afterIso: string;
  /** The peer's next fires, oldest first (UTC ISO). */
  expected: string[];
  /** Why Sundial's documented result differs from the peer's, when it does. */
  expectDifferent?: string;
  /** Sundial's fires where they differ from `expected`. */
  sundial?: string[];
}

const cronParser = 'harrisiirak/cron-parser tests/CronExpression.test.ts';
const cronerTz = 'Hexagon/croner test/timezone.test.ts';
const cronerOcps = 'Hexagon/croner test/ocps-1.4.test.ts';
const apscheduler = 'agronholm/apscheduler tests/triggers/test_cron.py';
const quartz = 'quartznet/quartznet src/Quartz.Tests.Unit/CronExpressionTest.cs';

const vixieGap = 'Sundial (vixie) fires a fixed-time expression at the first valid instant after the gap, the change instant itself';
const vixieInterval = 'under vixie an expression with a step in minutes follows real time, so wall times in a gap do not fire';

export const cronDstVectors: CronDstVector[] = [
  // --- cron-parser: Europe/Athens, 2016-03-27 03:00 EET -> 04:00 EEST (01:00Z); 2016-10-30 04:00 EEST -> 03:00 EET (01:00Z).
  {
    source: `${cronParser} › timezones and DST tests › It works on DST start (0 * * * *)`,
    expr: '0 * * * *',
    tz: 'Europe/Athens',
    dst: 'vixie',
    afterIso: '2016-03-27T00:00:01Z', // 02:00:01 EET
    expected: ['2016-03-27T01:00:00.000Z', '2016-03-27T02:00:00.000Z'], // 04:00, 05:00 EEST
  },
  {
    source: `${cronParser} › timezones and DST tests › It works on DST start (30 2 * * *)`,
    expr: '30 2 * * *',
    tz: 'Europe/Athens',
    dst: 'vixie',
    afterIso: '2016-03-27T00:00:01Z',
    expected: ['2016-03-27T00:30:00.000Z', '2016-03-27T23:30:00.000Z'], // 02:30 EET on the 27th, 02:30 EEST on the 28th
  },
  {
    source: `${cronParser} › timezones and DST tests › It works on DST start (0 3 * * *)`,
    expr: '0 3 * * *',
    tz: 'Europe/Athens',
    dst: 'vixie',
    afterIso: '2016-03-27T00:00:01Z',
    expected: ['2016-03-27T01:00:00.000Z', '2016-03-28T00:00:00.000Z'], // 04:00 EEST (03:00 does not exist), 03:00 on the 28th
  },
  {
    source: `${cronParser} › timezones and DST tests › It works on DST start (*/20 3 * * *)`,
    expr: '*/20 3 * * *',
    tz: 'Europe/Athens',
    dst: 'vixie',
    afterIso: '2016-03-27T00:00:01Z',
    expected: ['2016-03-27T01:00:00.000Z', '2016-03-27T01:20:00.000Z', '2016-03-27T01:40:00.000Z', '2016-03-28T00:00:00.000Z'],
    expectDifferent: `cron-parser moves 03:00, 03:20, 03:40 past the gap (04:00-04:40); ${vixieInterval}, and strict does not fire them either`,
    sundial: ['2016-03-28T00:00:00.000Z', '2016-03-28T00:20:00.000Z', '2016-03-28T00:40:00.000Z', '2016-03-29T00:00:00.000Z'],
  },
  {
    source: `${cronParser} › timezones and DST tests › It works on DST start (0 * 27 * *)`,
    expr: '0 * 27 * *',
    tz: 'Europe/Athens',
    dst: 'vixie',
    afterIso: '2016-03-26T22:00:01Z', // 00:00:01 EET on the 27th
    expected: ['2016-03-26T23:00:00.000Z', '2016-03-27T00:00:00.000Z', '2016-03-27T01:00:00.000Z', '2016-03-27T02:00:00.000Z'], // 01, 02, 04, 05
  },
  {
    source: `${cronParser} › timezones and DST tests › It works on DST end 2016-10-30 02:00:01 - 0 * * * *`,
    expr: '0 * * * *',
    tz: 'Europe/Athens',
    dst: 'vixie',
    afterIso: '2016-10-29T23:00:01Z', // 02:00:01 EEST
    expected: ['2016-10-30T00:00:00.000Z', '2016-10-30T01:00:00.000Z', '2016-10-30T02:00:00.000Z'], // 03 EEST, 03 EET, 04 EET
  },
  {
    source: `${cronParser} › timezones and DST tests › It works on DST end 2016-10-30 02:00:01 - 0 3 * * *`,
    expr: '0 3 * * *',
    tz: 'Europe/Athens',
    dst: 'vixie',
    afterIso: '2016-10-29T23:00:01Z',
    expected: ['2016-10-30T00:00:00.000Z', '2016-10-31T01:00:00.000Z'], // once on the 30th (first 03:00), then the 31st
  },
  {
    // cron-parser fires the repeated 03:00-03:40 once: that is Sundial's strict policy.
    source: `${cronParser} › timezones and DST tests › It works on DST end 2016-10-30 02:00:01 - */20 3 * * *`,
    expr: '*/20 3 * * *',
    tz: 'Europe/Athens',
    dst: 'strict',
    afterIso: '2016-10-29T23:00:01Z',
    expected: ['2016-10-30T00:00:00.000Z', '2016-10-30T00:20:00.000Z', '2016-10-30T00:40:00.000Z', '2016-10-31T01:00:00.000Z'],
  },
  {
    source: `${cronParser} › timezones and DST tests › It works on DST end 2016-10-30 00:00:01 - 0 * 30 * *`,
    expr: '0 * 30 * *',
    tz: 'Europe/Athens',
    dst: 'vixie',
    afterIso: '2016-10-29T21:00:01Z', // 00:00:01 EEST on the 30th
    expected: [
      '2016-10-29T22:00:00.000Z', // 01:00
      '2016-10-29T23:00:00.000Z', // 02:00
      '2016-10-30T00:00:00.000Z', // 03:00 EEST
      '2016-10-30T01:00:00.000Z', // 03:00 EET
      '2016-10-30T02:00:00.000Z', // 04:00 EET
    ],
  },

  // --- croner (America/New_York, Europe/London, America/Los_Angeles).
  {
    source: `${cronerOcps} › OCPS 1.4: DST Gap (Spring Forward) - job should be skipped`,
    expr: '0 30 2 12 3 *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2023-03-12T00:00:00Z',
    expected: ['2023-03-12T07:30:00.000Z'], // 03:30 EDT
    expectDifferent: `croner adds the shift (02:30 -> 03:30 EDT); ${vixieGap} (03:00 EDT)`,
    sundial: ['2023-03-12T07:00:00.000Z'],
  },
  {
    source: `${cronerOcps} › OCPS 1.4: DST Overlap (Fall Back) - job should run once at first occurrence`,
    expr: '0 30 1 5 11 *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2023-11-05T04:00:00Z', // 00:00 EDT
    expected: ['2023-11-05T05:30:00.000Z', '2024-11-05T06:30:00.000Z'], // 01:30 EDT, then next year (not 01:30 EST)
  },
  {
    source: `${cronerTz} › OCPS 1.4 compliance: DST Gap (Spring Forward) - job should be skipped`,
    expr: '0 30 2 * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2025-03-09T06:00:00Z', // 01:00 EST
    expected: ['2025-03-09T07:30:00.000Z'],
    expectDifferent: `croner adds the shift (03:30 EDT); ${vixieGap} (03:00 EDT)`,
    sundial: ['2025-03-09T07:00:00.000Z'],
  },
  {
    source: `${cronerTz} › OCPS 1.4 compliance: DST Overlap (Fall Back) - job should run once at first occurrence`,
    expr: '0 30 1 * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2025-11-02T04:00:00Z',
    expected: ['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z'], // 01:30 EDT, then 01:30 EST the next day
  },
  {
    source: `${cronerTz} › OCPS 1.4 compliance: DST Overlap (Fall Back) (just after the first occurrence)`,
    expr: '0 30 1 * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2025-11-02T05:31:00Z',
    expected: ['2025-11-03T06:30:00.000Z'],
  },
  {
    source: `${cronerTz} › OCPS 1.4 compliance: DST Overlap (Fall Back) (asked during the second occurrence)`,
    expr: '0 30 1 * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2025-11-02T06:00:00Z', // 01:00 EST
    expected: ['2025-11-02T05:30:00.000Z'],
    expectDifferent: "croner answers the first occurrence, before the instant asked about; Sundial's next fire is always strictly after it",
    sundial: ['2025-11-03T06:30:00.000Z'],
  },
  {
    source: `${cronerTz} › OCPS 1.4 compliance: Europe/London DST transitions (spring)`,
    expr: '0 30 1 * * *',
    tz: 'Europe/London',
    dst: 'vixie',
    afterIso: '2025-03-30T00:00:00Z',
    expected: ['2025-03-30T01:30:00.000Z'], // 02:30 BST
    expectDifferent: `croner adds the shift (02:30 BST); ${vixieGap} (02:00 BST)`,
    sundial: ['2025-03-30T01:00:00.000Z'],
  },
  {
    source: `${cronerTz} › OCPS 1.4 compliance: Europe/London DST transitions (autumn)`,
    expr: '0 30 1 * * *',
    tz: 'Europe/London',
    dst: 'vixie',
    afterIso: '2025-10-26T00:00:00Z',
    expected: ['2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z'], // 01:30 BST once, then 01:30 GMT the next day
  },
  {
    // croner skips the repeated hour for `* * * * *`: Sundial's strict policy.
    source: `${cronerTz} › Issue #286: Starting from DST gap should not cause rapid-fire execution (spanning the transition)`,
    expr: '* * * * *',
    tz: 'America/Los_Angeles',
    dst: 'strict',
    afterIso: '2025-11-02T08:58:00Z', // 01:58 PDT
    expected: ['2025-11-02T08:59:00.000Z', '2025-11-02T10:00:00.000Z', '2025-11-02T10:01:00.000Z', '2025-11-02T10:02:00.000Z'],
  },
  {
    // croner's test asserts only that runs are a minute apart here; the instants are Sundial's
    // strict rule: a schedule created during the repeated hour first fires at its end.
    source: `${cronerTz} › Issue #286: Starting from DST gap should not cause rapid-fire execution (start2, 01:00 PST)`,
    expr: '* * * * *',
    tz: 'America/Los_Angeles',
    dst: 'strict',
    afterIso: '2025-11-02T09:00:00Z',
    expected: ['2025-11-02T10:00:00.000Z', '2025-11-02T10:01:00.000Z'],
  },
  {
    source: `${cronerTz} › UTC timezone should not skip hours during local DST transitions (issue #284)`,
    expr: '0 0 * * * *',
    tz: null,
    dst: 'strict',
    afterIso: '2025-10-05T02:00:00Z',
    expected: ['2025-10-05T03:00:00.000Z', '2025-10-05T04:00:00.000Z', '2025-10-05T05:00:00.000Z'],
  },

  // --- APScheduler 4 (US/Eastern = America/New_York; the `timezone` fixture is Europe/Berlin).
  {
    // APScheduler skips a wall time that does not exist, also for a fixed hour: Sundial's strict.
    source: `${apscheduler} › test_dst_change[spring_skip_hour]`,
    expr: '0 2 * * *',
    tz: 'America/New_York',
    dst: 'strict',
    afterIso: '2013-03-10T00:59:59Z', // start 2013-03-09 20:00 EST, inclusive
    expected: ['2013-03-11T06:00:00.000Z'], // 02:00 EDT on the 11th
  },
  {
    source: `${apscheduler} › test_dst_change[spring_skip_hour] under vixie`,
    expr: '0 2 * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2013-03-10T00:59:59Z',
    expected: ['2013-03-11T06:00:00.000Z'],
    expectDifferent: `APScheduler drops 02:00 on 2013-03-10; ${vixieGap} (03:00 EDT)`,
    sundial: ['2013-03-10T07:00:00.000Z', '2013-03-11T06:00:00.000Z'],
  },
  {
    source: `${apscheduler} › test_dst_change[absolute_spring]`,
    expr: '0 8 * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2013-03-09T16:59:59Z', // 12:00 EST
    expected: ['2013-03-10T12:00:00.000Z'], // 08:00 EDT
  },
  {
    source: `${apscheduler} › test_dst_change[absolute_autumn]`,
    expr: '0 8 * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2013-11-02T15:59:59Z', // 12:00 EDT
    expected: ['2013-11-03T13:00:00.000Z'], // 08:00 EST
  },
  {
    source: `${apscheduler} › test_dst_change[interval_spring]`,
    expr: '*/30 * * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2013-03-10T06:34:59Z', // 01:35 EST
    expected: ['2013-03-10T07:00:00.000Z'], // 03:00 EDT
  },
  {
    source: `${apscheduler} › test_dst_change[interval_autumn]`,
    expr: '*/30 * * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2013-11-03T05:34:59Z', // 01:35 EDT (fold 0)
    expected: ['2013-11-03T06:00:00.000Z'], // 01:00 EST (fold 1)
  },
  {
    source: `${apscheduler} › test_dst_change2[dst_change_0]`,
    expr: '0 * * * *',
    tz: 'Europe/Berlin',
    dst: 'vixie',
    afterIso: '2024-10-26T23:59:59Z', // start 2024-10-27 02:00 CEST, inclusive
    expected: ['2024-10-27T00:00:00.000Z', '2024-10-27T01:00:00.000Z', '2024-10-27T02:00:00.000Z'], // 02 CEST, 02 CET, 03 CET
  },
  {
    source: `${apscheduler} › test_dst_change2[dst_change_1]`,
    expr: '1 * * * *',
    tz: 'Europe/Berlin',
    dst: 'vixie',
    afterIso: '2024-10-27T00:00:59Z', // start 02:01 CEST, inclusive
    expected: ['2024-10-27T00:01:00.000Z', '2024-10-27T01:01:00.000Z', '2024-10-27T02:01:00.000Z'],
  },
  {
    // Lord Howe Island, 2024-10-06: 02:00 LHST (+10:30) jumps to 02:30 LHDT (+11), at 15:30Z.
    source: `${apscheduler} › test_dst_partial_gap[half_hour_gap]`,
    expr: '0 30 2 * * *',
    tz: 'Australia/Lord_Howe',
    dst: 'vixie',
    afterIso: '2024-10-04T13:29:59Z', // start 2024-10-05 00:00 LHST, inclusive
    expected: ['2024-10-04T16:00:00.000Z', '2024-10-05T15:30:00.000Z', '2024-10-06T15:30:00.000Z'],
  },
  {
    // Antarctica/Troll, 2024-03-31: 01:00 +00 jumps to 03:00 +02 (01:00Z). APScheduler skips the
    // missing 01:00:59 and 02:00:59: Sundial's strict policy.
    source: `${apscheduler} › test_dst_partial_gap[two_hour_gap]`,
    expr: '59 0 1-3 * * *',
    tz: 'Antarctica/Troll',
    dst: 'strict',
    afterIso: '2024-03-30T02:59:59Z', // start 2024-03-30 03:00 +00, inclusive
    expected: ['2024-03-30T03:00:59.000Z', '2024-03-31T01:00:59.000Z', '2024-03-31T23:00:59.000Z'],
  },
  {
    source: `${apscheduler} › test_dst_partial_gap[two_hour_gap] under vixie`,
    expr: '59 0 1-3 * * *',
    tz: 'Antarctica/Troll',
    dst: 'vixie',
    afterIso: '2024-03-30T02:59:59Z',
    expected: ['2024-03-30T03:00:59.000Z', '2024-03-31T01:00:59.000Z', '2024-03-31T23:00:59.000Z'],
    expectDifferent: `APScheduler drops the missing 01:00:59 and 02:00:59; ${vixieGap} (03:00:00 +02), once for both`,
    sundial: ['2024-03-30T03:00:59.000Z', '2024-03-31T01:00:00.000Z', '2024-03-31T01:00:59.000Z', '2024-03-31T23:00:59.000Z'],
  },

  // --- Quartz.NET (Eastern Standard Time = America/New_York).
  {
    source: `${quartz} › TestDaylightSavingsDoesNotMatchAnHourBefore`,
    expr: '15 15 5 11 *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2012-11-04T00:00:00Z',
    expected: ['2012-11-05T20:15:00.000Z'], // 15:15 EST
  },
  {
    source: `${quartz} › TestDaylightSavingsDoesNotMatchAnHourBefore2`,
    expr: '0 0 * * 4',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2012-11-04T00:00:00Z',
    expected: ['2012-11-08T05:00:00.000Z'], // Thursday 00:00 EST
  },
  {
    // The test reads the machine's zone; instantiated here for America/New_York (2012-03-11).
    source: `${quartz} › TestDaylightSaving_QRTZNETZ186`,
    expr: '15 * * * *',
    tz: 'America/New_York',
    dst: 'vixie',
    afterIso: '2012-03-11T06:55:00Z', // 01:55 EST, 5 min before the change
    expected: ['2012-03-11T07:15:00.000Z'], // change + 1 h + 15 min = 03:15 EDT
  },

  // --- Sundial's own cases, for zones and policies the peers' suites do not cover.
  {
    // America/Nuuk, 2024-03-30: 23:00 -02 jumps to 2024-03-31 00:00 -01 (01:00Z).
    source: 'sundial › vixie: a fixed-time fire in a gap that ends after midnight (America/Nuuk)',
    expr: '30 23 * * *',
    tz: 'America/Nuuk',
    dst: 'vixie',
    afterIso: '2024-03-29T12:00:00Z',
    expected: ['2024-03-30T01:30:00.000Z', '2024-03-31T01:00:00.000Z', '2024-04-01T00:30:00.000Z'],
  },
  {
    source: 'sundial › strict: a fixed-time fire in a gap that ends after midnight does not fire (America/Nuuk)',
    expr: '30 23 * * *',
    tz: 'America/Nuuk',
    dst: 'strict',
    afterIso: '2024-03-29T12:00:00Z',
    expected: ['2024-03-30T01:30:00.000Z', '2024-04-01T00:30:00.000Z'],
  },
  {
    // Antarctica/Troll, 2026-10-25: 03:00 +02 becomes 01:00 +00 (01:00Z); 01:00-02:59 happen twice.
    source: 'sundial › strict: a two-hour repeat (Antarctica/Troll)',
    expr: '0 * * * *',
    tz: 'Antarctica/Troll',
    dst: 'strict',
    afterIso: '2026-10-24T22:30:00Z',
    expected: ['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T03:00:00.000Z'],
  },
  {
    source: 'sundial › vixie: a two-hour repeat fires both occurrences of an hourly expression (Antarctica/Troll)',
    expr: '0 * * * *',
    tz: 'Antarctica/Troll',
    dst: 'vixie',
    afterIso: '2026-10-24T22:30:00Z',
    expected: ['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z'],
  },
  {
    source: 'sundial › strict: every minute across a two-hour repeat (Antarctica/Troll)',
    expr: '* * * * *',
    tz: 'Antarctica/Troll',
    dst: 'strict',
    afterIso: '2026-10-25T00:58:00Z',
    expected: ['2026-10-25T00:59:00.000Z', '2026-10-25T03:00:00.000Z', '2026-10-25T03:01:00.000Z'],
  },
  {
    // Europe/Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z).
    source: 'sundial › strict: every minute across the autumn change (Europe/Berlin)',
    expr: '* * * * *',
    tz: 'Europe/Berlin',
    dst: 'strict',
    afterIso: '2026-10-25T00:58:00Z',
    expected: ['2026-10-25T00:59:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T02:01:00.000Z'],
  },
  {
    source: 'sundial › strict: every 15 seconds across the autumn change (Europe/Berlin)',
    expr: '*/15 * * * * *',
    tz: 'Europe/Berlin',
    dst: 'strict',
    afterIso: '2026-10-25T00:59:30Z',
    expected: ['2026-10-25T00:59:45.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T02:00:15.000Z'],
  },
  {
    source: 'sundial › strict: a schedule created during the repeated hour (Europe/Berlin)',
    expr: '*/15 * * * * *',
    tz: 'Europe/Berlin',
    dst: 'strict',
    afterIso: '2026-10-25T01:30:00Z', // 02:30 CET, the second 02:30
    expected: ['2026-10-25T02:00:00.000Z', '2026-10-25T02:00:15.000Z'],
  },
  {
    // Australia/Sydney, 2026-10-04: 02:00 AEST jumps to 03:00 AEDT (16:00Z on the 3rd).
    source: 'sundial › vixie: southern-hemisphere spring gap (Australia/Sydney)',
    expr: '30 2 * * *',
    tz: 'Australia/Sydney',
    dst: 'vixie',
    afterIso: '2026-10-03T12:00:00Z',
    expected: ['2026-10-03T16:00:00.000Z', '2026-10-04T15:30:00.000Z'],
  },
  {
    // Australia/Sydney, 2026-04-05: 03:00 AEDT becomes 02:00 AEST (16:00Z on the 4th).
    source: 'sundial › strict: southern-hemisphere autumn repeat (Australia/Sydney)',
    expr: '*/30 * * * *',
    tz: 'Australia/Sydney',
    dst: 'strict',
    afterIso: '2026-04-04T15:00:00Z',
    expected: ['2026-04-04T15:30:00.000Z', '2026-04-04T17:00:00.000Z'],
  },
  {
    source: 'sundial › vixie: southern-hemisphere autumn repeat (Australia/Sydney)',
    expr: '*/30 * * * *',
    tz: 'Australia/Sydney',
    dst: 'vixie',
    afterIso: '2026-04-04T15:00:00Z',
    expected: ['2026-04-04T15:30:00.000Z', '2026-04-04T16:00:00.000Z', '2026-04-04T16:30:00.000Z', '2026-04-04T17:00:00.000Z'],
  },
  {
    // America/Santiago, 2026-04-05 00:00 -03 becomes 2026-04-04 23:00 -04 (03:00Z): the repeat
    // crosses midnight backwards.
    source: 'sundial › vixie: a repeat that crosses midnight (America/Santiago)',
    expr: '30 23 * * *',
    tz: 'America/Santiago',
    dst: 'vixie',
    afterIso: '2026-04-04T12:00:00Z',
    expected: ['2026-04-05T02:30:00.000Z', '2026-04-06T03:30:00.000Z'],
  },
  {
    // America/Santiago, 2026-09-06 00:00 -04 jumps to 01:00 -03 (04:00Z).
    source: 'sundial › vixie: a gap at midnight (America/Santiago)',
    expr: '30 0 * * *',
    tz: 'America/Santiago',
    dst: 'vixie',
    afterIso: '2026-09-05T12:00:00Z',
    expected: ['2026-09-06T04:00:00.000Z', '2026-09-07T03:30:00.000Z'],
  },
  {
    source: 'sundial › strict: a gap at midnight (America/Santiago)',
    expr: '30 0 * * *',
    tz: 'America/Santiago',
    dst: 'strict',
    afterIso: '2026-09-05T12:00:00Z',
    expected: ['2026-09-07T03:30:00.000Z'],
  },
  {
    // Lord Howe Island, 2026-04-05: 02:00 LHDT (+11) becomes 01:30 LHST (+10:30) (15:00Z on the 4th).
    source: 'sundial › vixie: a fixed time in a half-hour repeat fires once (Australia/Lord_Howe)',
    expr: '45 1 * * *',
    tz: 'Australia/Lord_Howe',
    dst: 'vixie',
    afterIso: '2026-04-04T12:00:00Z',
    expected: ['2026-04-04T14:45:00.000Z', '2026-04-05T15:15:00.000Z'],
  },
];
