import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/** carelog's few additions to the NHS design system (kept in code, so the build carries them). */
const CARELOG_CSS = `.carelog-signed-in {
  margin-left: auto;
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 8px;
  color: #ffffff;
}
.carelog-signed-in__who {
  margin: 0;
  color: #ffffff;
}
.carelog-sign-out {
  margin: 0;
}
.carelog-timeline {
  padding-left: 0;
}
.carelog-entry {
  border-left: 4px solid #aeb7bd;
  padding: 4px 0 4px 12px;
  margin-bottom: 12px;
}
.carelog-entry--flagged {
  border-left-color: #d5281b;
}
.carelog-entry--digest,
.carelog-entry--fold {
  border-left-color: #005eb8;
}
.carelog-actions li {
  display: inline-block;
  margin-right: 16px;
}
`;

@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  @Get('carelog.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  css(): string {
    return CARELOG_CSS;
  }
}
