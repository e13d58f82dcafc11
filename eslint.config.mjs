// Type-checked linting for every project, and Nx module boundaries: a service cannot
// import another service, and the domain libraries import no framework.
import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Nx module boundaries; test files of domain and platform libraries may also use libs/testing. */
function boundaries(inTests) {
  return {
    allow: [],
    depConstraints: [
      { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      {
        sourceTag: 'scope:domain',
        onlyDependOnLibsWithTags: inTests ? ['scope:domain', 'scope:test'] : ['scope:domain'],
        bannedExternalImports: ['@nestjs/*', 'typeorm', 'kafkajs', 'express', 'pg', 'jose'],
      },
      {
        sourceTag: 'scope:platform',
        onlyDependOnLibsWithTags: inTests
          ? ['scope:domain', 'scope:platform', 'scope:test']
          : ['scope:domain', 'scope:platform'],
      },
      { sourceTag: 'scope:test', onlyDependOnLibsWithTags: ['type:lib', 'type:infra'] },
      { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:tools', onlyDependOnLibsWithTags: ['type:lib', 'type:infra'] },
      { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:infra'] },
    ],
  };
}

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.cache/**',
      '.local/**',
      '.nx/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', boundaries(false)],
    },
  },
  {
    // Jest's asymmetric matchers (expect.objectContaining, expect.any) are typed `any`.
    files: ['**/*.spec.ts'],
    rules: {
      // Tests of platform libraries may use the shared test helpers; their code may not.
      '@nx/enforce-module-boundaries': ['error', boundaries(true)],
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  prettier,
);
