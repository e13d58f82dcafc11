import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import { DomainError } from '@carelog/domain';
import {
  ApiAnswer,
  ApiProblems,
  IDEMPOTENCY_KEY,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
} from '@carelog/nest-platform';
import { ACCEPTED_SCHEMA, TASK_LIST_SCHEMA, TASK_WITH_STEPS_SCHEMA } from '../openapi-schemas';
import { EntryRecorder, eventIdFor, type Accepted } from '@carelog/producer';
import { JournalMarks } from '../patient-record/journal-marks';
import {
  flaggedEntryFacts,
  parseTaskFilters,
  TaskBoard,
  TASK_STATUS_FILTERS,
  type TaskList,
  type TaskStep,
  type TaskView,
} from './task-board';

/**
 * Entries flagged for attention, as tasks for the role and organisation they name: listed,
 * read with every step, and acknowledged. An acknowledgement is an event on the flagged
 * entry's own topic, so "who saw it, and when" is in the log for good.
 */
@ApiTags('tasks')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS)
@Controller('v1/tasks')
@UseGuards(CallerGuard)
export class TasksController {
  constructor(
    @Inject(TaskBoard) private readonly board: TaskBoard,
    @Inject(EntryRecorder) private readonly recorder: EntryRecorder,
    @Inject(JournalMarks) private readonly marks: JournalMarks,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      "Tasks addressed to the caller's role and organisation (directly or by escalation), oldest first",
  })
  @ApiQuery({ name: 'status', required: false, enum: TASK_STATUS_FILTERS })
  @ApiQuery({
    name: 'limit',
    required: false,
    description: '1 to 200, default 50',
    schema: { type: 'integer', minimum: 1, maximum: 200 },
  })
  @ApiQuery({
    name: 'cursor',
    required: false,
    description: 'The `nextCursor` of the page before',
    schema: { type: 'string', format: 'page-cursor' },
  })
  @ApiAnswer(
    200,
    'Each task says its `urgency` where its entry carries one: `urgent` (same day) or `routine`, as the home-reading rules (NICE NG136) raise them; otherwise null',
    TASK_LIST_SCHEMA,
    {
      links: {
        task: {
          operationId: 'TasksController_one',
          parameters: { taskId: '$response.body#/tasks/0/id' },
        },
        acknowledge: {
          operationId: 'TasksController_acknowledge',
          parameters: { taskId: '$response.body#/tasks/0/id' },
        },
      },
    },
  )
  list(
    @Query() query: Record<string, string | undefined>,
    @CurrentCaller() caller: Caller,
  ): Promise<TaskList> {
    return this.board.list(caller, parseTaskFilters(query));
  }

  @Get(':taskId')
  @ApiParam({ name: 'taskId', schema: { type: 'string', format: 'uuid' } })
  @ApiOperation({ summary: 'One task, with every step: flagged, escalated, acknowledged' })
  @ApiAnswer(200, 'The task and its steps, oldest first', TASK_WITH_STEPS_SCHEMA)
  @ApiProblems(404)
  @ApiResponse({ status: 404, description: 'No such task is addressed to the caller' })
  one(
    @Param('taskId') taskId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<TaskView & { steps: TaskStep[] }> {
    return this.board.withSteps(caller, taskId);
  }

  @Post(':taskId/acknowledge')
  @ApiParam({ name: 'taskId', schema: { type: 'string', format: 'uuid' } })
  @HttpCode(202)
  @ApiOperation({
    summary: 'Acknowledge a task: you have seen the entry and taken it on ({ note? })',
  })
  @ApiHeader({
    ...IDEMPOTENCY_KEY,
    required: false,
    description: 'Defaults to one key per task, so a repeated acknowledgement by you is one event',
  })
  @ApiResponse({ status: 404, description: 'No such task is addressed to the caller' })
  @ApiResponse({ status: 409, description: 'Already acknowledged by someone else, or withdrawn' })
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      properties: { note: { type: 'string', format: 'free-text', maxLength: 2000 } },
    },
  })
  @ApiAnswer(202, 'The acknowledgement, recorded on the flagged entry’s topic', ACCEPTED_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS, 404, 409, 422)
  async acknowledge(
    @Param('taskId') taskId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<Accepted> {
    const { row, entry, audit } = await this.board.open(caller, taskId, 'acknowledge-task');
    const key = idempotencyKey ?? `acknowledge:${taskId}`;
    if (row.status === 'withdrawn') {
      await audit();
      throw new DomainError('task-withdrawn', 'the flagged entry was corrected; nothing to act on');
    }
    if (row.status === 'acknowledged' && row.acknowledgementEventId !== eventIdFor(caller, key)) {
      await audit();
      throw new DomainError(
        'task-already-acknowledged',
        `acknowledged at ${row.acknowledgedAt?.toISOString() ?? 'an earlier time'} by a ${row.acknowledgedBy?.role ?? 'colleague'}`,
      );
    }
    const accepted = await this.recorder.acknowledge(
      flaggedEntryFacts(row, entry.sensitivity),
      body,
      key,
      correlationId,
      caller,
    );
    // Acknowledging is looking: the reader's journal mark for the patient moves up to now.
    await this.marks.acknowledged(caller.userId, row.nhsNumber, new Date());
    await audit();
    return accepted;
  }
}
