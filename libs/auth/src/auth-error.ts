import { DomainError } from '@carelog/domain';

export class AuthenticationError extends DomainError {
  constructor(code: 'missing-token' | 'invalid-token', message: string) {
    super(code, message, 'Authorization');
  }
}
