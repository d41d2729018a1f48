# Prints what the image is made of, so the build log records it.
# Runs in Windows PowerShell 5.1 (managed run commands) as well as PowerShell 7.
$ErrorActionPreference = 'Stop'

Write-Output ("os: {0}" -f [System.Environment]::OSVersion.VersionString)
Write-Output ("powershell: {0}" -f $PSVersionTable.PSVersion)
Write-Output (".NET runtime: {0}" -f [System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription)
exit 0
