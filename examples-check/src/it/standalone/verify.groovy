// Run by maven-invoker-plugin after the example's build: the example must have answered its request.
def log = new File(basedir, 'build.log').text
assert log =~ /listening on port \d+/ : 'the example did not report its port'
assert log.contains('GET /hello/standalone -> 200 hello standalone') : 'the example did not print the expected answer'
def installed = new File(basedir, '../../local-repo/dev/ranch')
['ranch-bom', 'ranch-parent', 'ranch-core', 'ranch-http', 'ranch-redis'].each { name ->
    assert new File(installed, name).isDirectory() : "${name} was not installed to target/local-repo"
}
return true
