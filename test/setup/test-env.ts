// Quieter kafkajs in tests; local-mode tokens for the services the tests start.
process.env['KAFKAJS_NO_PARTITIONER_WARNING'] = '1';
process.env['CARELOG_AUTH_MODE'] ??= 'local';
